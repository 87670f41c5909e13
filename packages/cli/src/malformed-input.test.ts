import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
