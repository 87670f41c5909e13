import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

/**
 * The malformed-input corpus: each damaged file, given to the command that
 * reads it, gives an error naming the file and what was wrong, with the
 * command's exit code, and writes nothing half-done.
 */
beforeAll(async () => {
  await tf.setBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'asng-malformed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const onCpu = async () => {
  await tf.setBackend('cpu');
  return { backend: 'cpu', reason: 'test' };
};
const cli = async (argv: string[]) => {
  const captured = bufferedIo({ cwd: root, selectBackend: onCpu });
  const code = await runCli(argv, captured.io);
  return { code, stderr: captured.stderr() };
};

/** IDX bytes: magic, sizes, then data. */
function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  return new Uint8Array([...new Uint8Array(header.buffer), ...data]);
}

/** A Fashion-MNIST folder of 8 training and 4 test images, valid unless damaged. */
function fashionFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const write = (file: string, n: number) => {
    writeFileSync(join(dir, `${file}-images-idx3-ubyte`), idx(0x803, [n, 28, 28], new Uint8Array(n * 784).fill(9)));
    writeFileSync(
      join(dir, `${file}-labels-idx1-ubyte`),
      idx(
        0x801,
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 10),
      ),
    );
  };
  write('train', 8);
  write('t10k', 4);
  return dir;
}

const search = (dataset: string, dataPath: string, runDir: string) => [
  'search',
  '--space',
  'image-classification',
  '--space-option',
  'cells=1',
  '--space-option',
  'channels=2',
  '--dataset',
  dataset,
  '--data-path',
  dataPath,
  '--run-dir',
  join(root, runDir),
  '--steps',
  '2',
  '--batch-size',
  '2',
  '--quiet',
];

describe('the malformed-input corpus', () => {
  it('IDX: a wrong magic number, a truncated file, trailing bytes', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      [
        'magic',
        (d) => writeFileSync(join(d, 'train-images-idx3-ubyte'), idx(0x801, [8, 28, 28], new Uint8Array(8 * 784))),
        /IDX magic number 0x00000803.*0x00000801/,
      ],
      ['truncated', (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte'), idx(0x801, [8], new Uint8Array(5))), /train-labels-idx1-ubyte/],
      ['trailing', (d) => writeFileSync(join(d, 't10k-images-idx3-ubyte'), idx(0x803, [4, 28, 28], new Uint8Array(4 * 784 + 3))), /t10k-images-idx3-ubyte/],
    ];
    for (const [name, damage, message] of cases) {
      const dir = fashionFolder(`idx-${name}`);
      damage(dir);
      const { code, stderr } = await cli(search('fashion-mnist', dir, `run-idx-${name}`));
      expect(code, stderr).toBe(1);
      expect(stderr).toContain(dir);
      expect(stderr).toMatch(message);
    }
  });

  it('CIFAR-10: a file that is not whole records, a label out of range', async () => {
    const folder = (name: string) => {
      const dir = join(root, name, 'cifar-10-batches-bin');
      mkdirSync(dir, { recursive: true });
      for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
        writeFileSync(join(dir, f), new Uint8Array(2 * 3073));
      }
      return dir;
    };
    const partial = folder('cifar-partial');
    writeFileSync(join(partial, 'data_batch_3.bin'), new Uint8Array(3073 + 100));
    let { code, stderr } = await cli(search('cifar10', join(root, 'cifar-partial'), 'run-cifar-partial'));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(join(partial, 'data_batch_3.bin'));
    const label = folder('cifar-label');
    const bytes = new Uint8Array(2 * 3073);
    bytes[3073] = 10;
    writeFileSync(join(label, 'test_batch.bin'), bytes);
    ({ code, stderr } = await cli(search('cifar10', join(root, 'cifar-label'), 'run-cifar-label')));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(join(label, 'test_batch.bin'));
    expect(stderr).toMatch(/label/);
  });

  it('images: a file that is not an image, in an image folder', async () => {
    const dir = join(root, 'images');
    for (const cls of ['a', 'b']) mkdirSync(join(dir, cls), { recursive: true });
    // A valid 1x1 PNG, and a file named .png that is not one.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(join(dir, 'a', 'ok.png'), png);
    writeFileSync(join(dir, 'b', 'broken.png'), 'not a png at all');
    const { code, stderr } = await cli(search('image-folder', dir, 'run-images'));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(join(dir, 'b', 'broken.png'));
  });

  it('run files: a damaged cli.json, a checkpoint with a flipped bit, a torn last log line', async () => {
    const data = fashionFolder('run-data');
    const run = join(root, 'run-ok');
    expect((await cli(search('fashion-mnist', data, 'run-ok'))).code).toBe(0);

    const record = readFileSync(join(run, 'cli.json'), 'utf8');
    writeFileSync(join(run, 'cli.json'), record.slice(0, 20));
    let { code, stderr } = await cli(['resume', run]);
    expect(code, stderr).not.toBe(0);
    expect(stderr).toContain(join(run, 'cli.json'));
    writeFileSync(join(run, 'cli.json'), record);

    const damaged = join(root, 'run-damaged');
    cpSync(run, damaged, { recursive: true });
    const checkpoint = readFileSync(join(damaged, 'checkpoint.bin'));
    checkpoint[checkpoint.length - 5]! ^= 0x10;
    writeFileSync(join(damaged, 'checkpoint.bin'), checkpoint);
    // resume reads and verifies the checkpoint before anything else.
    ({ code, stderr } = await cli(['resume', damaged]));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(join(damaged, 'checkpoint.bin'));
    expect(stderr).toMatch(/checksum|damaged|SHA-256/i);

    const log = readFileSync(join(run, 'log.jsonl'), 'utf8');
    writeFileSync(join(run, 'log.jsonl'), `${log}{"type":"step","step":3,"trainL`);
    ({ code, stderr } = await cli(['report', run, '--json']));
    expect(code, stderr).toBe(0);
    // A damaged line that is not the last is still an error naming it.
    writeFileSync(join(run, 'log.jsonl'), `{"type":"step",\n${log}`);
    ({ code, stderr } = await cli(['report', run, '--json']));
    expect(code).toBe(1);
    expect(stderr).toContain(`${join(run, 'log.jsonl')}: line 1 is not JSON`);
  });

  it('model files: model.json that is not JSON, a weight path outside the directory, no asng record', async () => {
    const model = join(root, 'model');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'model.json'), '{"modelTopology": {');
    let { code, stderr } = await cli(['evaluate', model]);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(`${join(model, 'model.json')}: not a model file`);
    writeFileSync(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    ({ code, stderr } = await cli(['evaluate', model]));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('weightsManifest[0].paths[0]: expected a file name inside the model directory, got "../../etc/passwd"');
  });
});

/** Runs `damage` on a fresh copy of the run directory `from`; returns the copy. */
function damagedCopy(from: string, name: string, damage: (dir: string) => void): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  damage(dir);
  return dir;
}

describe('the malformed-input corpus: more of each kind', () => {
  it('IDX: a missing file, a header cut short, sizes larger than the file', async () => {
    const cases: [string, (dir: string) => void, string][] = [
      // The folder given is used alone, and the error names which of its four files is missing.
      ['missing', (d) => rmSync(join(d, 't10k-labels-idx1-ubyte')), 't10k-labels-idx1-ubyte[.gz]'],
      ['short-header', (d) => writeFileSync(join(d, 'train-images-idx3-ubyte'), Uint8Array.of(0, 0, 8)), 'train-images-idx3-ubyte'],
      ['huge', (d) => writeFileSync(join(d, 'train-images-idx3-ubyte'), idx(0x803, [0xffffffff, 28, 28], new Uint8Array(784))), 'train-images-idx3-ubyte'],
      ['empty', (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte'), new Uint8Array(0)), 'train-labels-idx1-ubyte'],
    ];
    for (const [name, damage, file] of cases) {
      const dir = fashionFolder(`idx2-${name}`);
      damage(dir);
      const { code, stderr } = await cli(search('fashion-mnist', dir, `run-idx2-${name}`));
      expect(code, `${name}: ${stderr}`).not.toBe(0);
      expect(stderr, name).toContain(join(dir, file));
    }
    // Two files missing: both are named, the ones present are not, and nothing is searched elsewhere.
    const dir = fashionFolder('idx2-two-missing');
    rmSync(join(dir, 'train-images-idx3-ubyte'));
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    const { code, stderr } = await cli(search('fashion-mnist', dir, 'run-idx2-two-missing'));
    expect(code, stderr).not.toBe(0);
    expect(stderr).toContain(`Not found in ${dir}:\n  - ${join(dir, 'train-images-idx3-ubyte')}[.gz]\n  - ${join(dir, 't10k-labels-idx1-ubyte')}[.gz]\n`);
    expect(stderr).not.toContain('train-labels-idx1-ubyte');
    expect(existsSync(join(root, 'run-idx2-two-missing', 'cli.json')), 'no run directory is left').toBe(false);
  });

  it('CIFAR-10: a missing batch, an empty file', async () => {
    const folder = (name: string) => {
      const dir = join(root, name, 'cifar-10-batches-bin');
      mkdirSync(dir, { recursive: true });
      for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
        writeFileSync(join(dir, f), new Uint8Array(2 * 3073));
      }
      return dir;
    };
    const missing = folder('cifar-missing');
    rmSync(join(missing, 'data_batch_4.bin'));
    let { code, stderr } = await cli(search('cifar10', join(root, 'cifar-missing'), 'run-cifar-missing'));
    expect(code, stderr).not.toBe(0);
    expect(stderr).toContain('data_batch_4.bin');
    expect(stderr).toContain(join(root, 'cifar-missing'));
    const empty = folder('cifar-empty');
    writeFileSync(join(empty, 'test_batch.bin'), new Uint8Array(0));
    ({ code, stderr } = await cli(search('cifar10', join(root, 'cifar-empty'), 'run-cifar-empty')));
    expect(code, stderr).not.toBe(0);
    expect(stderr).toContain(join(empty, 'test_batch.bin'));
  });

  it('images: an empty file and a PNG cut short', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64');
    for (const [name, bytes] of [
      ['empty.png', new Uint8Array(0)],
      ['cut.png', png.subarray(0, 30)],
    ] as const) {
      const dir = join(root, `images-${name}`);
      for (const cls of ['a', 'b']) mkdirSync(join(dir, cls), { recursive: true });
      writeFileSync(join(dir, 'a', 'ok.png'), png);
      writeFileSync(join(dir, 'b', name), bytes);
      const { code, stderr } = await cli(search('image-folder', dir, `run-images-${name}`));
      expect(code, stderr).toBe(1);
      expect(stderr).toContain(join(dir, 'b', name));
    }
  });

  describe('run files', () => {
    let run: string;
    beforeAll(async () => {
      const data = fashionFolder('run2-data');
      run = join(root, 'run2');
      const { code, stderr } = await cli(search('fashion-mnist', data, 'run2'));
      expect(code, stderr).toBe(0);
    });

    it('checkpoints: not a checkpoint, empty, cut short, trailing bytes, an edited header, missing', async () => {
      const cases: [string, (bytes: Buffer) => Uint8Array | undefined, RegExp][] = [
        ['text', () => Buffer.from('not a checkpoint at all\n'), /not|checkpoint/i],
        ['empty', () => new Uint8Array(0), /./],
        ['cut', (b) => b.subarray(0, Math.floor(b.length / 2)), /truncated|short|cut|end/i],
        ['trailing', (b) => Buffer.concat([b, Buffer.from([1, 2, 3])]), /trailing|extra|bytes/i],
        ['header', (b) => Buffer.from(b.toString('latin1').replace('"step":2,', '"step":1,'), 'latin1'), /header|checksum/i],
        ['missing', () => undefined, /checkpoint/],
      ];
      for (const [name, damage, message] of cases) {
        const dir = damagedCopy(run, `run2-checkpoint-${name}`, (d) => {
          const path = join(d, 'checkpoint.bin');
          const bytes = damage(readFileSync(path));
          if (bytes === undefined) rmSync(path);
          else writeFileSync(path, bytes);
        });
        const log = readFileSync(join(dir, 'log.jsonl'), 'utf8');
        const { code, stderr } = await cli(['resume', dir, '--quiet']);
        expect(code, `${name}: ${stderr}`).toBe(1);
        expect(stderr, name).toContain(join(dir, 'checkpoint.bin'));
        expect(stderr, name).toMatch(message);
        // Refused before anything was written.
        expect(readFileSync(join(dir, 'log.jsonl'), 'utf8'), name).toBe(log);
      }
    });

    it('run records: cli.json of the wrong shape, result.json that is not JSON, config.json that is not JSON', async () => {
      const record = { space: 'image-classification', spaceOptions: {}, dataset: 'fashion-mnist', optimizer: 'asng', lambda: 2 };
      const cases: [string, string, string, string[], string][] = [
        ['cli-array', 'cli.json', '[1, 2]', ['resume'], 'expected an object (space, spaceOptions, dataset, optimizer, lambda), got [1,2]'],
        [
          'cli-space',
          'cli.json',
          JSON.stringify({ ...record, space: 42 }),
          ['resume'],
          'space: expected the name of a built-in search space or the path of a space module, got 42',
        ],
        ['cli-options', 'cli.json', JSON.stringify({ ...record, spaceOptions: 'cells=1' }), ['retrain'], 'spaceOptions: expected an object of space options'],
        [
          'cli-lambda',
          'cli.json',
          JSON.stringify({ ...record, lambda: 0.5 }),
          ['export', '--out', join(root, 'never')],
          'lambda: expected an integer >= 2, got 0.5',
        ],
        ['result', 'result.json', '{"best": ', ['export', '--out', join(root, 'never-exported')], 'not JSON'],
        ['result-best', 'result.json', '{"best": [1]}', ['retrain'], 'best: expected an object of variable values'],
        ['config', 'config.json', '{"space"', ['report'], 'not JSON'],
      ];
      for (const [name, file, text, [command, ...rest], message] of cases) {
        const dir = damagedCopy(run, `run2-record-${name}`, (d) => writeFileSync(join(d, file), text));
        const { code, stderr } = await cli([command!, dir, ...rest]);
        expect(code, `${name}: ${stderr}`).toBe(1);
        expect(stderr, name).toContain(`${join(dir, file)}: ${message}`);
      }
      expect(existsSync(join(root, 'never'))).toBe(false);
    });
  });

  it('model files: no asng record, weights.bin cut short, an unknown layer', async () => {
    const run = join(root, 'run2');
    const exported = join(root, 'model2');
    const { code: exportedCode, stderr: exportStderr } = await cli(['export', run, '--out', exported, '--quiet']);
    expect(exportedCode, exportStderr).toBe(0);
    const modelJson = JSON.parse(readFileSync(join(exported, 'model.json'), 'utf8'));
    const weights = readFileSync(join(exported, 'weights.bin'));
    const cases: [string, (dir: string) => void, string][] = [
      [
        'no-record',
        (d) => writeFileSync(join(d, 'model.json'), JSON.stringify({ ...modelJson, userDefinedMetadata: {} })),
        "no 'asng' record in userDefinedMetadata",
      ],
      [
        'weights-cut',
        (d) => writeFileSync(join(d, 'weights.bin'), weights.subarray(0, weights.length >> 1)),
        `weightsManifest: the weights it lists take ${weights.length} bytes, but "weights.bin" hold ${weights.length >> 1}`,
      ],
      ['weights-missing', (d) => rmSync(join(d, 'weights.bin')), 'weightsManifest[0].paths[0]: cannot read "weights.bin"'],
      [
        'unknown-layer',
        (d) => writeFileSync(join(d, 'model.json'), JSON.stringify(modelJson).replace(/"class_name":"Conv2D"/g, '"class_name":"NoSuchLayer"')),
        'NoSuchLayer',
      ],
    ];
    for (const [name, damage, message] of cases) {
      const dir = join(root, `model2-${name}`);
      cpSync(exported, dir, { recursive: true });
      damage(dir);
      const { code, stderr } = await cli(['evaluate', dir, '--quiet']);
      expect(code, `${name}: ${stderr}`).toBe(1);
      expect(stderr, name).toContain(join(dir, 'model.json'));
      expect(stderr, name).toContain(message);
    }
  });

  it('sweep files: not YAML, not JSON, an unknown field, a job without a command, missing; a damaged sweep state', async () => {
    const cases: [string, string | undefined, string][] = [
      ['bad.yaml', 'name: x\njobs: [\n', '(file): not valid YAML'],
      ['bad.json', '{"name": "x", ', '(file): not valid JSON'],
      ['unknown.yaml', 'name: x\nworkers: 3\njobs:\n  - {name: a, command: search}\n', 'workers: unknown field'],
      ['nocommand.yaml', 'name: x\njobs:\n  - {name: a}\n', 'jobs[0]'],
      ['missing.yaml', undefined, '(file): cannot be read'],
    ];
    for (const [name, text, message] of cases) {
      const file = join(root, 'sweeps', name);
      mkdirSync(join(root, 'sweeps'), { recursive: true });
      if (text !== undefined) writeFileSync(file, text);
      const { code, stderr } = await cli(['sweep', 'status', file]);
      expect(code, `${name}: ${stderr}`).toBe(2);
      expect(stderr, name).toContain(`${file}: ${message}`);
    }
    const file = join(root, 'sweeps', 'ok.yaml');
    writeFileSync(file, 'name: ok\njobs:\n  - {name: a, command: search, options: {space: image-classification, dataset: fashion-mnist-subset}}\n');
    mkdirSync(join(root, 'sweeps', 'ok'), { recursive: true });
    const state = join(root, 'sweeps', 'ok', 'sweep.json');
    writeFileSync(state, '{"format": "asng-sw');
    const { code, stderr } = await cli(['sweep', 'status', file]);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(state);
  });
});
