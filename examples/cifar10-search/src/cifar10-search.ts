/**
 * A search in the paper's cell space on CIFAR-10 through the `asng` CLI:
 * `asng search`, `asng report`, then (with `--retrain-epochs N`) `asng retrain`,
 * `asng evaluate` and `asng export`. When the CIFAR-10 files are not there it
 * says how to get them, and downloads nothing unless `--download` is given.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, runCli, UsageError, optionsUsage, type CliIo, type OptionSpec } from '@asng/cli';
import { cifar10 } from '@asng/dataset-cifar10';
import { DatasetNotFoundError } from '@asng/dataset-files';

/** The options of the example, with their defaults (a few minutes on 2 CPU cores). */
export const OPTIONS: (OptionSpec & { readonly default?: string })[] = [
  {
    name: 'data-path',
    type: 'string',
    placeholder: 'PATH',
    description: 'cifar-10-binary.tar.gz, its extracted folder, or a folder holding either (default: the cache ~/.cache/asng/datasets/cifar10)',
  },
  { name: 'download', type: 'boolean', description: 'download the archive (163 MB) into the cache when it is not found' },
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'directory of the run (default runs/cifar10-<time>)' },
  { name: 'cells', type: 'integer', min: 1, placeholder: 'N', default: '5', description: "cells of the supernet (the paper's search: 8)" },
  { name: 'channels', type: 'integer', min: 2, placeholder: 'N', default: '8', description: "channels of the supernet (the paper's search: 16)" },
  { name: 'epochs', type: 'integer', min: 1, placeholder: 'N', default: '1', description: 'search budget in epochs' },
  { name: 'steps', type: 'integer', min: 1, placeholder: 'N', description: 'search budget in steps (overrides --epochs)' },
  { name: 'max-examples', type: 'integer', min: 2, placeholder: 'N', default: '2000', description: 'training examples of the search (half validate)' },
  { name: 'batch-size', type: 'integer', min: 1, placeholder: 'N', default: '32', description: "batch size (the paper's: 64, with --recompute on wasm)" },
  { name: 'lr', type: 'number', min: 0, placeholder: 'X', default: '0.025', description: 'learning rate of the search' },
  { name: 'recompute', type: 'boolean', description: 'gradient checkpointing per cell (needed for batch 64 on wasm)' },
  { name: 'seed', type: 'integer', placeholder: 'N', default: '1', description: 'seed of every random choice' },
  {
    name: 'retrain-epochs',
    type: 'integer',
    min: 0,
    placeholder: 'N',
    default: '0',
    description: 'then retrain the found architecture for N epochs, evaluate and export it (0: no)',
  },
  { name: 'retrain-cells', type: 'integer', min: 1, placeholder: 'N', description: "cells of the retrained network (default: the search's)" },
  { name: 'param-budget', type: 'number', min: 1, placeholder: 'N', description: 'retrained network as wide as fits N trainable parameters' },
  { name: 'retrain-max-examples', type: 'integer', min: 1, placeholder: 'N', description: 'training examples of the retraining (default all)' },
  { name: 'cutout', type: 'integer', min: 1, placeholder: 'N', description: 'cutout in the retraining (the paper: 16)' },
  { name: 'backend', type: 'string', values: ['auto', 'node-gpu', 'node', 'wasm', 'webgpu', 'cpu'], default: 'auto', description: 'tfjs backend' },
  { name: 'json', type: 'boolean', description: 'print the results as one JSON object on the last line' },
  { name: 'help', type: 'boolean', description: 'print the options' },
];

/** How to get the data, for the message shown when it is missing. */
export const HOW_TO_GET_CIFAR10 = [
  'CIFAR-10 (binary version) was not found. To get it:',
  '  1. download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (163 MB; from https://www.cs.toronto.edu/~kriz/cifar.html);',
  '  2. run: npm run -s start -w @asng/example-cifar10-search -- --data-path /path/to/cifar-10-binary.tar.gz',
  '     (the archive, its extracted cifar-10-batches-bin folder, or a folder holding either),',
  '     or put it in ~/.cache/asng/datasets/cifar10, or pass --download on a machine with internet access.',
].join('\n');

/** Runs the example; returns the exit status (0 done, 1 data missing or a step failed, 2 usage). */
export async function runCifar10Search(argv: readonly string[], io: CliIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs(argv, OPTIONS, 'cifar10-search'));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`cifar10-search: ${error.message}\n${optionsUsage(OPTIONS)}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout(`${optionsUsage(OPTIONS.map((o) => (o.default ? { ...o, description: `${o.description} (default ${o.default})` } : o)))}\n`);
    return 0;
  }
  const option = (name: string) => String(values[name] ?? OPTIONS.find((o) => o.name === name)!.default);
  const cwd = io.cwd ?? process.cwd();
  const dataPath = values['data-path'] !== undefined ? resolve(cwd, values['data-path'] as string) : undefined;
  try {
    const found = await cifar10.load({ ...(dataPath !== undefined ? { path: dataPath } : {}), download: values.download === true });
    await found.close?.();
  } catch (error) {
    if (!(error instanceof DatasetNotFoundError)) throw error;
    io.stderr(`${HOW_TO_GET_CIFAR10}\n(${error.message})\n`);
    return 1;
  }
  const runDir = resolve(cwd, (values['run-dir'] as string | undefined) ?? join('runs', `cifar10-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const json = values.json === true;
  const common = ['--backend', option('backend'), ...(json ? ['--json'] : [])];
  // Every command prints its own result; with --json only the last line counts, so the steps' JSON is collected.
  const results: Record<string, unknown> = {};
  const step = async (name: string, args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, { ...io, stdout: (t) => (json ? lines.push(t) : io.stdout(t)) });
    if (json && code === 0) results[name] = JSON.parse(lines.join('').trim().split('\n').at(-1)!);
    return code;
  };
  const searchArgs = [
    'search',
    'image-classification',
    '--space-option',
    `cells=${option('cells')}`,
    '--space-option',
    `channels=${option('channels')}`,
    ...(values.recompute === true ? ['--space-option', 'recomputeCells=true'] : []),
    '--dataset',
    'cifar10',
    ...(dataPath !== undefined ? ['--data-path', dataPath] : []),
    '--run-dir',
    runDir,
    '--epochs',
    option('epochs'),
    ...(values.steps !== undefined ? ['--steps', String(values.steps)] : []),
    '--max-examples',
    option('max-examples'),
    '--batch-size',
    option('batch-size'),
    '--lr',
    option('lr'),
    '--seed',
    option('seed'),
    ...common,
  ];
  let code = existsSync(join(runDir, 'checkpoint.bin')) ? await step('search', ['resume', runDir, ...common]) : await step('search', searchArgs);
  if (code !== 0) return code;
  code = await step('report', ['report', runDir, ...(json ? ['--json'] : [])]);
  if (code !== 0) return code;
  const retrainEpochs = Number(option('retrain-epochs'));
  if (retrainEpochs > 0) {
    code = await step('retrain', [
      'retrain',
      runDir,
      '--epochs',
      String(retrainEpochs),
      '--batch-size',
      option('batch-size'),
      '--seed',
      option('seed'),
      ...(values['retrain-cells'] !== undefined ? ['--space-option', `cells=${values['retrain-cells']}`] : []),
      ...(values['param-budget'] !== undefined ? ['--param-budget', String(values['param-budget'])] : []),
      ...(values['retrain-max-examples'] !== undefined ? ['--max-examples', String(values['retrain-max-examples'])] : []),
      ...(values.cutout !== undefined ? ['--cutout', String(values.cutout)] : []),
      ...common,
    ]);
    if (code !== 0) return code;
    code = await step('evaluate', ['evaluate', runDir, ...common]);
    if (code !== 0) return code;
    code = await step('export', ['export', runDir, '--out', join(runDir, 'exported-model'), ...common]);
    if (code !== 0) return code;
  }
  if (json) io.stdout(`${JSON.stringify({ runDir, ...results })}\n`);
  return 0;
}
