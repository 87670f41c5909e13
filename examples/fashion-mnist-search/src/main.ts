/**
 * The main job: a one-shot architecture search with ASNG in the paper's cell
 * space (small: 3 cells of 8 channels) on the embedded Fashion-MNIST subset,
 * with the fastest backend available; then the found architecture and one
 * uniformly random architecture of the same space, each retrained from
 * scratch alike (same parameter budget, recipe, data and seed) and tested on
 * the subset's 1,000 test images; then the HTML report with both. About four
 * minutes on 2 CPU cores.
 *
 *   npm run -s main [-- --steps N --warmup-steps N --retrain-epochs N --param-budget N ... --json]
 *
 * Every run gets its own directory under runs/; Ctrl-C stops after the
 * current step (resume the search with `npm run -s asng -- resume <dir>`).
 */
import '@tensorflow/tfjs';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng, taskFor, type Architecture, type CategoricalVariable } from '@asng/core';
import { COMPARISON_FILE, runCli, type ComparisonRecord } from '@asng/cli';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { largestWidthWithin, retrain, writeJsonAtomic, type RetrainConfig } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { randomCellArchitecture } from './compare.js';

/** The defaults, each a `--name value` option; measured to finish within 5 minutes on 2 cores. */
const defaults: Record<string, string> = {
  steps: '300',
  'warmup-steps': '100',
  'max-examples': '6000',
  cells: '3',
  channels: '8',
  'batch-size': '32',
  lr: '0.05',
  'retrain-epochs': '3',
  'retrain-lr': '0.1',
  'param-budget': '40000',
  seed: '1',
  'random-seed': '2',
};
const args = process.argv.slice(2);
const json = args.includes('--json');
const settings = { ...defaults };
for (let i = 0; i < args.length; i++) {
  const name = args[i]!.replace(/^--/, '');
  if (name === 'json') continue;
  if (!(name in defaults) || args[i + 1] === undefined || !/^\d+(\.\d+)?$/.test(args[i + 1]!)) {
    console.error(
      `main: unknown or incomplete option ${JSON.stringify(args[i])}; accepted: ${Object.keys(defaults)
        .map((k) => `--${k} N`)
        .join(', ')}, --json`,
    );
    process.exit(2);
  }
  settings[name] = args[++i]!;
}
const n = (name: string) => Number(settings[name]);

const started = process.hrtime.bigint();
const root = resolve(import.meta.dirname, '../../..');
const runDir = join(root, 'runs', `fashion-mnist-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(join(root, 'runs'), { recursive: true });
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const io = {
  stdout: (t: string) => process.stdout.write(t),
  stderr: (t: string) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
  signal: controller.signal,
};
const quietStdout = { ...io, stdout: () => undefined };

async function main(): Promise<number> {
  // 1. The search, through the CLI (its run directory, log and checkpoints).
  const searched = await runCli(
    [
      'search',
      'image-classification',
      '--space-option',
      `cells=${settings.cells}`,
      '--space-option',
      `channels=${settings.channels}`,
      '--dataset',
      'fashion-mnist-subset',
      '--run-dir',
      runDir,
      '--steps',
      settings.steps!,
      '--warmup-steps',
      settings['warmup-steps']!,
      '--max-examples',
      settings['max-examples']!,
      '--batch-size',
      settings['batch-size']!,
      '--lr',
      settings.lr!,
      '--seed',
      settings.seed!,
      ...(json ? ['--json'] : []),
    ],
    json ? quietStdout : io,
  );
  if (searched !== 0) return searched;
  const searchSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  // 2. The found architecture retrained from scratch at the parameter budget, saved as the run's model.
  const retrainArgs = [
    '--param-budget',
    settings['param-budget']!,
    '--epochs',
    settings['retrain-epochs']!,
    '--batch-size',
    '64',
    '--lr',
    settings['retrain-lr']!,
    '--seed',
    settings.seed!,
  ];
  const retrained = await runCli(['retrain', runDir, ...retrainArgs, '--json'], quietStdout);
  if (retrained !== 0) return retrained;
  const found = JSON.parse(readFileSync(join(runDir, 'retrain.json'), 'utf8')) as {
    architecture: Architecture;
    spaceOptions: { cells: number; channels: number };
    config: RetrainConfig;
    trainableParameters: number;
    test: { accuracy: number; loss: number };
    seconds: number;
  };

  // 3. A uniformly random architecture of the same space, retrained exactly alike.
  const space = createImageClassificationSpace({ cells: n('cells'), channels: n('channels') });
  const random = randomCellArchitecture(space.variables as CategoricalVariable[], new Rng(n('random-seed')));
  const dataset = await fashionMnistSubset.load();
  const task = taskFor(space, dataset.info);
  const channels = largestWidthWithin({
    budget: n('param-budget'),
    parameters: (c) => createImageClassificationSpace({ cells: n('cells'), channels: c }).countParameters(random, task),
  });
  io.stderr(`random architecture (seed ${settings['random-seed']}): ${channels} channels, retrained alike\n`);
  const randomResult = await retrain({
    space: createImageClassificationSpace({ cells: n('cells'), channels }),
    dataset,
    architecture: random,
    config: found.config,
    onEpoch: (e) => io.stderr(`epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, ${e.seconds.toFixed(1)} s\n`),
  });
  randomResult.model.dispose();
  await dataset.close?.();

  // 4. The comparison in the run directory, the report, the figures.
  const testImages = dataset.split('test').size;
  const comparison: ComparisonRecord = {
    metric: 'test accuracy',
    higherIsBetter: true,
    protocol: `Each architecture retrained from scratch as wide as fits ${settings['param-budget']} trainable parameters, ${settings['retrain-epochs']} epochs of the subset's ${dataset.split('train').size} training images, the same recipe and seed; tested on its ${testImages} test images. One random architecture is one sample: the quality benchmark (npm run -s bench:quality) compares against several.`,
    entries: [
      { label: `found by ASNG (${found.spaceOptions.channels} channels)`, value: found.test.accuracy, parameters: found.trainableParameters, found: true },
      {
        label: `random, seed ${settings['random-seed']} (${channels} channels)`,
        value: randomResult.test.accuracy!,
        parameters: randomResult.trainableParameters,
      },
    ],
  };
  const path = join(runDir, COMPARISON_FILE);
  writeJsonAtomic(path, comparison);
  const report = await runCli(['report', runDir, ...(json ? ['--json'] : [])], json ? quietStdout : io);
  if (report !== 0) return report;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = {
    found: { testAccuracy: found.test.accuracy, parameters: found.trainableParameters },
    random: { testAccuracy: randomResult.test.accuracy!, parameters: randomResult.trainableParameters },
    seconds,
  };
  io.stdout(
    `\nOn the ${testImages} test images, after ${settings['retrain-epochs']} epochs of retraining from scratch within ${settings['param-budget']} parameters:\n` +
      `  found by ASNG   ${summary.found.testAccuracy.toFixed(4)} (${summary.found.parameters} parameters)\n` +
      `  random          ${summary.random.testAccuracy.toFixed(4)} (${summary.random.parameters} parameters)\n` +
      `Search ${searchSeconds.toFixed(0)} s, ${seconds.toFixed(0)} s in all. Report: ${join(runDir, 'report.html')}\n`,
  );
  if (json) io.stdout(`${JSON.stringify(summary)}\n`);
  return 0;
}

process.exitCode = await main();
