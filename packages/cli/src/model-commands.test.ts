import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { comparisonArchitectures, Rng, type Architecture, type CategoricalVariable } from '@asng/core';
import { fileSystemIO, trainableParameterCount } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { createInpaintingSpace } from '@asng/space-inpainting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const root = mkdtempSync(join(tmpdir(), 'asng-model-commands-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** CIFAR-10 binary files of a few 32x32 images: class 0 bright in the red plane, class 1 in the blue one, with noise. */
function writeTinyCifar(dir: string, perFile: number, testCount: number): void {
  const rng = new Rng(3);
  const records = (n: number) => {
    const bytes = new Uint8Array(n * 3073);
    for (let i = 0; i < n; i++) {
      const label = i % 2;
      bytes[i * 3073] = label;
      for (let p = 0; p < 3072; p++) {
        const plane = Math.floor(p / 1024);
        bytes[i * 3073 + 1 + p] = Math.floor(60 * rng.uniform()) + (plane === 2 * label ? 150 : 0);
      }
    }
    return bytes;
  };
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  for (let k = 1; k <= 5; k++) writeFileSync(join(folder, `data_batch_${k}.bin`), records(perFile));
  writeFileSync(join(folder, 'test_batch.bin'), records(testCount));
}

const onCpu = async () => {
  await tf.setBackend('cpu');
  return { backend: 'cpu', reason: 'test' };
};
const capture = () => bufferedIo({ cwd: root, selectBackend: onCpu });

const spaceOptions = { cells: 3, channels: 2 };
const space = createImageClassificationSpace(spaceOptions);
const rng = new Rng(7);
const best: Architecture = Object.fromEntries(
  space.variables.map((v) => [v.name, (v as CategoricalVariable).choices[rng.int((v as CategoricalVariable).choices.length)]!]),
);

/** A run directory as `asng search` leaves it, without the search. */
function fakeRun(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'cli.json'),
    JSON.stringify({ space: 'image-classification', spaceOptions, dataset: 'cifar10', dataPath: join(root, 'data'), optimizer: 'asng', lambda: 2 }),
  );
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ best }));
  return dir;
}

writeTinyCifar(join(root, 'data'), 4, 6);

describe('asng retrain, evaluate and export', () => {
  it('retrains and saves the model, evaluate repeats its test metrics, export writes a model with the same outputs', async () => {
    const run = fakeRun('run');
    const untrained = capture();
    expect(await runCli(['export', 'run', '--out', 'untrained', '--json'], untrained.io)).toBe(0);
    expect(untrained.lastJson<any>()).toMatchObject({ weights: 'initial', architecture: best });
    expect(untrained.stderr()).toMatch(/has no retrained model: exporting the architecture with initial weights/);

    const trained = capture();
    const code = await runCli(
      [
        'retrain',
        'run',
        '--epochs',
        '2',
        '--batch-size',
        '4',
        '--max-examples',
        '4',
        '--optimizer',
        'adam',
        '--lr',
        '0.01',
        '--schedule',
        'step',
        '--decay-epochs',
        '1',
        '--json',
      ],
      trained.io,
    );
    expect(trained.stderr()).toMatch(/epoch 2\/2/);
    expect(code).toBe(0);
    const summary = trained.lastJson<any>();
    expect(summary).toMatchObject({ split: 'test', epochs: 2, spaceOptions, config: { optimizer: 'adam', schedule: 'step', decayEpochs: [1] } });
    expect(JSON.parse(readFileSync(join(run, 'retrain.json'), 'utf8')).test).toEqual(summary.test);
    expect(Object.keys(summary.test).sort()).toEqual(['accuracy', 'loss']);

    const evaluated = capture();
    expect(await runCli(['evaluate', 'run', '--json'], evaluated.io)).toBe(0);
    // The same numbers, but for the float32 sums of other batch sizes (retrain tests in batches of 4, evaluate of 64).
    const sameMetrics = (metrics: Record<string, number>) => {
      expect(metrics.accuracy).toBe(summary.test.accuracy);
      expect(metrics.loss).toBeCloseTo(summary.test.loss, 5);
    };
    expect(evaluated.lastJson<any>()).toMatchObject({ split: 'test', examples: 6 });
    sameMetrics(evaluated.lastJson<any>().metrics);
    const onTrain = capture();
    expect(await runCli(['evaluate', 'run', '--split', 'train', '--max-examples', '8'], onTrain.io)).toBe(0);
    expect(onTrain.stdout()).toMatch(/^cifar10 train \(8 examples\): accuracy [\d.]+, loss [\d.]+/);

    const exported = capture();
    expect(await runCli(['export', 'run', '--out', 'exported', '--json'], exported.io)).toBe(0);
    expect(exported.lastJson<any>()).toMatchObject({ weights: 'retrained', trainableParameters: summary.trainableParameters, parameters: summary.parameters });
    const [a, b, c] = await Promise.all(['run/model', 'exported', 'untrained'].map((d) => loadLayersModel(fileSystemIO(join(root, d)))));
    const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 1);
    const [ya, yb, yc] = [a!, b!, c!].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
    expect(yb).toEqual(ya);
    expect(yc).not.toEqual(ya);
    // The exported directory evaluates as the run does, given the data (a model directory's recorded data path is not used).
    const again = capture();
    expect(await runCli(['evaluate', 'exported', '--data-path', join(root, 'data'), '--json'], again.io)).toBe(0);
    expect(again.lastJson<any>().metrics).toEqual(evaluated.lastJson<any>().metrics);
    x.dispose();
    for (const m of [a!, b!, c!]) m.dispose();
  }, 120_000);

  it('fits the channels to a parameter budget: the largest width within it', async () => {
    fakeRun('budget');
    const task = { inputShape: [32, 32, 3] as const, classes: 10 };
    const budget = trainableParameterCount(createImageClassificationSpace({ ...spaceOptions, channels: 8 }), best, task) + 1;
    const { io, lastJson, stderr } = capture();
    expect(
      await runCli(
        [
          'retrain',
          'budget',
          '--epochs',
          '1',
          '--batch-size',
          '4',
          '--max-examples',
          '4',
          '--param-budget',
          String(budget),
          '--space-option',
          'cells=4',
          '--auxiliary-weight',
          '0.4',
          '--drop-path',
          '0.2',
          '--cutout',
          '8',
          '--crop',
          '2',
          '--flip',
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    const summary = lastJson<any>();
    const channels = summary.spaceOptions.channels as number;
    expect(summary.spaceOptions.cells).toBe(4);
    expect(summary.config).toMatchObject({ auxiliaryWeight: 0.4, dropPath: 0.2, augment: { crop: { padding: 2 }, flip: true, cutout: { size: 8 } } });
    const saved = await loadLayersModel(fileSystemIO(join(root, 'budget', 'model')));
    expect(saved.outputs).toHaveLength(1);
    expect(saved.layers.some((l) => l.name.startsWith('aux_'))).toBe(false);
    saved.dispose();
    const count = (w: number) => trainableParameterCount(createImageClassificationSpace({ cells: 4, channels: w }), best, task);
    expect(summary.trainableParameters).toBe(count(channels));
    expect(count(channels)).toBeLessThanOrEqual(budget);
    expect(count(channels + 1)).toBeGreaterThan(budget);
    expect(stderr()).toContain(`--param-budget ${budget}: ${channels} channels`);
  }, 120_000);

  it('retrains a random architecture of the search seed (a comparison baseline) beside the found model, or where --out says', async () => {
    const dir = fakeRun('random');
    const argv = (...more: string[]) => ['retrain', 'random', '--epochs', '1', '--batch-size', '4', '--max-examples', '4', ...more, '--json'];
    const noSeed = capture();
    expect(await runCli(argv('--random-architecture', '2'), noSeed.io)).toBe(1);
    expect(noSeed.stderr()).toContain(`${join(dir, 'config.json')}: missing`);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ space: 'image-classification', config: { seed: 5 } }));
    const second = capture();
    expect(await runCli(argv('--random-architecture', '2'), second.io)).toBe(0);
    const summary = second.lastJson<any>();
    const drawn = comparisonArchitectures(space.variables, 5, 2);
    expect(summary.architecture).toEqual(drawn[1]);
    expect(summary.architecture).not.toEqual(best);
    expect(summary.source).toEqual({ randomArchitecture: 2, searchSeed: 5 });
    expect(summary.model).toBe(join(dir, 'random-2', 'model'));
    expect(JSON.parse(readFileSync(join(dir, 'random-2', 'retrain.json'), 'utf8')).source).toEqual(summary.source);
    const saved = await loadLayersModel(fileSystemIO(join(dir, 'random-2', 'model')));
    expect((saved.getUserDefinedMetadata() as any).asng.architecture).toEqual(drawn[1]);
    saved.dispose();
    expect(existsSync(join(dir, 'model'))).toBe(false);
    // The found one, elsewhere: --out.
    const found = capture();
    expect(await runCli(argv('--out', 'found-out'), found.io)).toBe(0);
    expect(found.lastJson<any>()).toMatchObject({ architecture: best, source: 'found', model: join(root, 'found-out', 'model') });
    expect(existsSync(join(root, 'found-out', 'retrain.json'))).toBe(true);
    expect(existsSync(join(dir, 'retrain.json'))).toBe(false);
  }, 120_000);

  it('evaluates an image-to-image model with MSE, PSNR and SSIM', async () => {
    const spaceOptions = { encoding: 'categorical', nodes: 3, levelBack: 2, kernelSizes: '1,3', channels: '2,4', mask: 'center' };
    const inpainting = createInpaintingSpace({ encoding: 'categorical', nodes: 3, levelBack: 2, kernelSizes: [1, 3], channels: [2, 4], mask: 'center' });
    const r = new Rng(4);
    const architecture = Object.fromEntries(
      inpainting.variables.map((v) => [v.name, (v as CategoricalVariable).choices[r.int((v as CategoricalVariable).choices.length)]!]),
    );
    const dir = join(root, 'inpainting');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'cli.json'),
      JSON.stringify({ space: 'inpainting', spaceOptions, dataset: 'cifar10', dataPath: join(root, 'data'), optimizer: 'asng', lambda: 2 }),
    );
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ best: architecture }));
    const trained = capture();
    expect(
      await runCli(
        ['retrain', 'inpainting', '--epochs', '1', '--batch-size', '4', '--max-examples', '4', '--optimizer', 'adam', '--lr', '0.001', '--json'],
        trained.io,
      ),
    ).toBe(0);
    const summary = trained.lastJson<any>();
    expect(Object.keys(summary.test).sort()).toEqual(['mse', 'psnr', 'ssim']);
    const evaluated = capture();
    expect(await runCli(['evaluate', 'inpainting', '--json'], evaluated.io)).toBe(0);
    const { metrics } = evaluated.lastJson<any>();
    for (const k of ['mse', 'psnr', 'ssim']) expect(metrics[k]).toBeCloseTo(summary.test[k], 4);
    expect(metrics.ssim).toBeLessThan(1);
    expect(metrics.psnr).toBeCloseTo(-10 * Math.log10(metrics.mse), -1);
  }, 120_000);

  const usageErrors: [string[], RegExp][] = [
    [
      ['retrain', 'run', '--param-budget', '1e5', '--space-option', 'channels=4'],
      /--param-budget chooses the space's 'channels' option: give it or --space-option channels=N, not both/,
    ],
    [['retrain', 'run', '--space-option', 'depth=3'], /--space-option depth: not an option of 'image-classification'; accepted: /],
    [['retrain', 'run', '--space-option', 'cells=0'], /--space-option cells: expected an integer >= 1, got 0/],
    [['retrain', 'run', '--space-option', 'cells'], /--space-option: expected key=value, got "cells"/],
    [['retrain', 'run', '--cells', '4'], /unknown option --cells for 'asng retrain'/],
    [['retrain', 'run', '--optimizer', 'rmsprop'], /--optimizer: expected one of sgd, adam, got "rmsprop"/],
    [['retrain', 'run', '--schedule', 'linear'], /--schedule: expected one of cosine, step, constant, got "linear"/],
    [['retrain', 'run', '--drop-path', '1'], /--drop-path: expected a probability below 1, got 1/],
    [['retrain', 'run', '--decay-epochs', '3,x'], /--decay-epochs: expected comma-separated positive numbers, got "3,x"/],
    [['evaluate'], /'asng evaluate' takes one run or model directory, got 0/],
    [['evaluate', 'run', '--split', 'validation'], /--split: expected one of test, train, got "validation"/],
    [['export', 'run'], /--out is required/],
  ];
  for (const [argv, message] of usageErrors) {
    it(`asng ${argv.join(' ')}`, async () => {
      const { io, stderr } = capture();
      expect(await runCli(argv, io)).toBe(2);
      expect(stderr()).toMatch(message);
    });
  }

  it('never imports a space module named by a model or run file: only built-in names, or a module the user passes with --space', async () => {
    const marker = join(root, 'imported.txt');
    const evil = join(root, 'evil-space.mjs');
    writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`);
    // A model directory from elsewhere (the one the first test exported), its record edited to name the module.
    const downloaded = join(root, 'downloaded');
    mkdirSync(downloaded, { recursive: true });
    for (const file of ['model.json', 'weights.bin']) writeFileSync(join(downloaded, file), readFileSync(join(root, 'untrained', file)));
    const modelJson = JSON.parse(readFileSync(join(downloaded, 'model.json'), 'utf8'));
    modelJson.userDefinedMetadata.asng.space = evil;
    writeFileSync(join(downloaded, 'model.json'), JSON.stringify(modelJson));
    const evaluated = capture();
    expect(await runCli(['evaluate', 'downloaded'], evaluated.io)).toBe(2);
    expect(evaluated.stderr()).toContain(
      `${join(downloaded, 'model.json')}: names the search space ${JSON.stringify(evil)}, which is not a built-in space (image-classification, inpainting)`,
    );
    expect(evaluated.stderr()).toContain(`pass it yourself with --space ${JSON.stringify(evil)}`);
    // The same for a run directory's record.
    const run = fakeRun('evil-run');
    const record = JSON.parse(readFileSync(join(run, 'cli.json'), 'utf8'));
    writeFileSync(join(run, 'cli.json'), JSON.stringify({ ...record, space: evil }));
    for (const argv of [
      ['export', 'evil-run', '--out', 'evil-out'],
      ['retrain', 'evil-run'],
      ['resume', 'evil-run'],
    ]) {
      const { io, stderr } = capture();
      expect(await runCli(argv, io)).toBe(2);
      expect(stderr()).toContain(`${join(run, 'cli.json')}: names the search space ${JSON.stringify(evil)}, which is not a built-in space`);
    }
    // report draws what it can without the space (this fake run has no log to report on either).
    await runCli(['report', 'evil-run'], capture().io);
    expect(existsSync(marker)).toBe(false);
    // Named by the user, the module is loaded (and here rejected: it exports no space).
    const trusted = capture();
    expect(await runCli(['export', 'evil-run', '--out', 'evil-out', '--space', evil], trusted.io)).toBe(2);
    expect(trusted.stderr()).toMatch(/exports no search space/);
    expect(existsSync(marker)).toBe(true);
  });

  it('names a run without a retrained model', async () => {
    fakeRun('fresh');
    const { io, stderr } = capture();
    expect(await runCli(['evaluate', 'fresh'], io)).toBe(1);
    expect(stderr()).toMatch(/fresh: no retrained model .*; run 'asng retrain .*fresh' first/);
  });
});

describe('asng search --data-cache', () => {
  it('keeps an image folder decoded in the disk cache, and refuses datasets that are not image files', async () => {
    const { encodePng } = await import('./png.js');
    const folder = join(root, 'shapes');
    const pixels = (bright: boolean) => Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => ((i % 3 === 0) === bright ? 220 : 30));
    for (const [name, bright] of [
      ['bright', true],
      ['dark', false],
    ] as const) {
      mkdirSync(join(folder, name), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(folder, name, `${i}.png`), encodePng(pixels(bright), 8, 8, 3));
    }
    const cache = join(root, 'cache');
    const previous = process.env.ASNG_CACHE_DIR;
    process.env.ASNG_CACHE_DIR = cache;
    try {
      const { io, lastJson } = capture();
      const argv = [
        'search',
        'image-classification',
        '--space-option',
        'cells=1',
        '--space-option',
        'channels=2',
        '--dataset',
        'image-folder',
        '--data-path',
        folder,
        '--data-cache',
      ];
      expect(await runCli([...argv, '--run-dir', 'cached', '--batch-size', '2', '--steps', '2', '--json', '--quiet'], io)).toBe(0);
      expect(lastJson<any>().status).toBe('completed');
      expect(JSON.parse(readFileSync(join(root, 'cached', 'cli.json'), 'utf8')).dataCache).toBe(true);
      // The decoded images of the training split, in one complete cache file.
      const { readdirSync } = await import('node:fs');
      const files = readdirSync(join(cache, 'datasets', 'decoded'));
      expect(files.some((f) => !f.includes('.partial'))).toBe(true);

      const refused = capture();
      expect(await runCli(['search', 'image-classification', '--dataset', 'cifar10', '--data-cache', '--run-dir', 'x'], refused.io)).toBe(2);
      expect(refused.stderr()).toMatch(/--data-cache: dataset 'cifar10' is not decoded from image files; the cache applies to celeba and image-folder/);
    } finally {
      if (previous === undefined) delete process.env.ASNG_CACHE_DIR;
      else process.env.ASNG_CACHE_DIR = previous;
    }
  });
});
