import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { Rng, type Architecture, type Dataset, type DatasetLoader, type SearchSpace, type SplitName, type TaskSpec } from '@asng/core';
import { datasetLoaders, runDataCli } from '@asng/data-cli';
import {
  evaluateModel,
  fileSystemIO,
  largestWidthWithin,
  resumeSearch,
  retrain,
  runFiles,
  runSearch,
  saveModelAtomically,
  trainableParameterCount,
  type BatchMetrics,
  type OptimizerFactory,
  type RetrainConfig,
  type SearchConfig,
  type SearchResult,
} from '@asng/engine';
import { createAsng, createSng } from '@asng/optimizer-asng';
import { scoreRestorations } from '@asng/space-inpainting';
import { readJsonFile } from './json-file.js';
import { keyValues, optionsUsage, parseArgs, UsageError, type OptionSpec } from './args.js';
import { ProgressBar } from './progress.js';
import { readRun, renderReport } from './report.js';
import { afterSearch, writeModelRestorations } from './restorations.js';
import { BUILT_IN_SPACES, loadSpace, spaceFactory, type SpaceOptions } from './spaces.js';

/** Where the CLI writes, and what it can use of its process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bar redrawn in place). @default false */
  readonly tty?: boolean;
  /** Aborted on Ctrl-C: the search stops after the current step and writes a checkpoint. */
  readonly signal?: AbortSignal;
  /** Working directory for relative paths. @default process.cwd() */
  readonly cwd?: string;
  /** Selects the tfjs backend; the default loads `@asng/backend-select`. */
  readonly selectBackend?: (backend: string, threads: number | 'auto') => Promise<{ backend: string; reason: string }>;
}

const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'webgpu', 'cpu'] as const;

const COMMON: OptionSpec[] = [
  { name: 'backend', type: 'string', values: BACKENDS, description: 'tfjs backend (auto: the fastest available)' },
  { name: 'threads', type: 'integer', min: 1, placeholder: 'N', description: 'threads of the wasm backend (default: all cores, at most 8)' },
  { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
  { name: 'quiet', type: 'boolean', description: 'no progress' },
];

/** Options of the training budget and the optimiser, shared by `search` and `retrain`. */
const TRAINING_OPTIONS: OptionSpec[] = [
  { name: 'epochs', type: 'integer', min: 1, placeholder: 'N', description: 'budget in epochs (search: default 1; retrain: default 10)' },
  { name: 'batch-size', type: 'integer', min: 1, placeholder: 'N', description: 'batch size (default 64)' },
  { name: 'lr', type: 'number', min: 0, placeholder: 'X', description: 'initial learning rate (default 0.025)' },
  { name: 'weight-decay', type: 'number', min: 0, placeholder: 'X', description: 'weight decay (default 3e-4)' },
  { name: 'max-examples', type: 'integer', min: 2, placeholder: 'N', description: 'use only the first N training examples' },
  { name: 'seed', type: 'integer', placeholder: 'N', description: 'seed of every random choice (default 0)' },
];

/** The shared training options of parsed arguments, as engine settings. */
function trainingConfig(values: Record<string, unknown>) {
  return {
    ...(values.seed !== undefined ? { seed: values.seed as number } : {}),
    ...(values.epochs !== undefined ? { epochs: values.epochs as number } : {}),
    ...(values['batch-size'] !== undefined ? { batchSize: values['batch-size'] as number } : {}),
    ...(values.lr !== undefined ? { learningRate: values.lr as number } : {}),
    ...(values['weight-decay'] !== undefined ? { weightDecay: values['weight-decay'] as number } : {}),
    ...(values['max-examples'] !== undefined ? { maxExamples: values['max-examples'] as number } : {}),
  };
}

const SEARCH_OPTIONS: OptionSpec[] = [
  { name: 'space', type: 'string', placeholder: 'NAME|PATH', description: 'search space: a built-in name or a module exporting one (required)' },
  { name: 'space-option', type: 'list', placeholder: 'KEY=VALUE', description: "option of the space's factory (repeatable)" },
  { name: 'dataset', type: 'string', values: datasetLoaders.map((l) => l.name), description: 'dataset (required)' },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: "directory (or archive) with the dataset's files" },
  { name: 'data-cache', type: 'boolean', description: 'image-file datasets (celeba, image-folder): keep the decoded images in a disk cache, so that later epochs and commands skip decoding' },
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'directory of the run (required)' },
  { name: 'optimizer', type: 'string', values: ['asng', 'sng'], description: 'architecture optimizer (default asng)' },
  { name: 'lambda', type: 'integer', min: 2, placeholder: 'N', description: 'architectures per update (default 2)' },
  { name: 'steps', type: 'integer', min: 1, placeholder: 'N', description: 'budget in steps (overrides --epochs)' },
  { name: 'warmup-steps', type: 'integer', min: 0, placeholder: 'N', description: 'first train the weights N steps with the distribution frozen (default 0, the paper)' },
  ...TRAINING_OPTIONS,
  { name: 'checkpoint-minutes', type: 'number', min: 0, placeholder: 'X', description: 'minutes between checkpoints (default 10)' },
  ...COMMON,
];

const usage = () => `usage: asng <command> [options]

Commands:
  search     run an architecture search:  asng search [SPACE] --dataset D --run-dir DIR ...
  resume     continue a stopped search:  asng resume RUN_DIR
  retrain    train the found architecture from scratch, test it, save it to RUN_DIR/model:
                                          asng retrain RUN_DIR [--epochs N --cells N --channels N | --param-budget N ...]
  evaluate   test the retrained model:    asng evaluate RUN_DIR|MODEL_DIR [--split test|train]
  export     the found architecture's model (retrained weights if any) as a tfjs LayersModel:
                                          asng export RUN_DIR --out DIR
  report     write an HTML report:        asng report RUN_DIR [--out FILE]
  data       dataset information:         asng data info <dataset> [--json]

asng search options:
${optionsUsage(SEARCH_OPTIONS)}

Built-in spaces (or give the path of a module exporting one):
${BUILT_IN_SPACES.map((s) => `  ${s.name.padEnd(12)} ${s.description}\n  ${''.padEnd(12)} options: ${Object.keys(s.options).join(', ')}`).join('\n')}

asng retrain options:
${optionsUsage(RETRAIN_OPTIONS)}

asng evaluate options:
${optionsUsage(EVALUATE_OPTIONS)}

asng export options:
${optionsUsage(EXPORT_OPTIONS)}`;

/** What `asng search` saved to rebuild its parts on resume. */
interface CliRecord {
  readonly space: string;
  readonly spaceOptions: SpaceOptions;
  readonly dataset: string;
  readonly dataPath?: string;
  /** Whether image-file datasets keep their decoded images in the disk cache (`--data-cache`). */
  readonly dataCache?: boolean;
  readonly optimizer: 'asng' | 'sng';
  readonly lambda: number;
}

/**
 * Runs the `asng` command line; returns the exit code: 0 success, 1 failure,
 * 2 usage error, 130 stopped by Ctrl-C (after a checkpoint).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'search':
        return await search(rest, io);
      case 'resume':
        return await resume(rest, io);
      case 'report':
        return report(rest, io);
      case 'retrain':
        return await retrainCommand(rest, io);
      case 'evaluate':
        return await evaluateCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'data':
        return await runDataCli(rest, io);
      case undefined:
      case '--help':
      case 'help':
        io.stdout(`${usage()}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; accepted: search, resume, retrain, evaluate, export, report, data`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`asng: ${error.message}\nRun 'asng help' for the options.\n`);
      return 2;
    }
    io.stderr(`asng: ${(error as Error).message}\n`);
    return 1;
  }
}

function required<T>(value: T | undefined, option: string): T {
  if (value === undefined) throw new UsageError(`--${option} is required`);
  return value;
}

async function setBackend(io: CliIo, backend: string, threads: number | 'auto', quiet: boolean): Promise<string> {
  const select =
    io.selectBackend ??
    (async (b: string, t: number | 'auto') => {
      const { selectBackend } = await import('@asng/backend-select');
      const chosen = await selectBackend({ backend: b as never, wasmThreads: t });
      return { backend: chosen.backend, reason: chosen.reason };
    });
  const chosen = await select(backend, threads);
  if (!quiet) io.stderr(`backend: ${chosen.backend} (${chosen.reason})\n`);
  return chosen.backend;
}

/** The loaders whose images are decoded from image files, so that `--data-cache` applies. */
const IMAGE_FILE_DATASETS = ['celeba', 'image-folder'];

async function openDataset(name: string, path: string | undefined, io: CliIo, dataCache = false): Promise<Dataset> {
  const loader: DatasetLoader | undefined = datasetLoaders.find((l) => l.name === name);
  if (loader === undefined) throw new UsageError(`--dataset: unknown dataset ${JSON.stringify(name)}; accepted: ${datasetLoaders.map((l) => l.name).join(', ')}`);
  if (dataCache && !IMAGE_FILE_DATASETS.includes(name)) {
    throw new UsageError(`--data-cache: dataset '${name}' is not decoded from image files; the cache applies to ${IMAGE_FILE_DATASETS.join(' and ')}`);
  }
  return loader.load({
    ...(path !== undefined ? { path: resolve(io.cwd ?? process.cwd(), path) } : {}),
    ...(dataCache ? { diskCache: true } : {}),
    onProgress: (e) => io.stderr(`${e.task}: ${e.done}${e.total ? `/${e.total}` : ''}\n`),
  });
}

function optimizerFactory(record: CliRecord): OptimizerFactory {
  return (variables, rng) =>
    record.optimizer === 'sng' ? createSng({ variables, rng, lambda: record.lambda }) : createAsng({ variables, rng, lambda: record.lambda });
}

/** Runs a search (new or resumed) with a progress bar, then prints its result. */
async function execute(
  io: CliIo,
  values: Record<string, unknown>,
  runDir: string,
  start: (callbacks: { onStep: Parameters<typeof runSearch>[0]['onStep'] }) => Promise<SearchResult>,
  backend: string,
): Promise<number> {
  const quiet = values.quiet === true;
  let bar: ProgressBar | undefined;
  const result = await start({
    onStep: (e) => {
      if (quiet) return;
      bar ??= new ProgressBar(io.stderr, e.totalSteps, io.tty ?? false, e.step - 1);
      const conv = e.optimizer.convergence;
      bar.update(e.step, `loss ${e.trainLoss.toFixed(3)} | conv ${conv !== undefined ? conv.toFixed(3) : '-'} | lr ${e.learningRate.toExponential(1)} | ${e.imagesPerSecond.toFixed(0)} img/s`);
    },
  });
  const summary = {
    status: result.status,
    steps: result.steps,
    totalSteps: result.totalSteps,
    best: result.best,
    metrics: result.metrics,
    seconds: result.seconds,
    backend,
    runDir,
  };
  if (values.json === true) {
    io.stdout(`${JSON.stringify(summary)}\n`);
  } else {
    io.stdout(
      `${result.status === 'completed' ? 'Search completed' : `Search stopped after step ${result.steps}; continue with: asng resume ${runDir}`} (${result.seconds.toFixed(1)} s)\n` +
        `Most likely architecture:\n${Object.entries(result.best)
          .map(([k, v]) => `  ${k} = ${String(v)}`)
          .join('\n')}\n${result.description.text}\n` +
        (Object.keys(result.metrics).length ? `Held-out metrics: ${JSON.stringify(result.metrics)}\n` : '') +
        `Report: asng report ${runDir}\n`,
    );
  }
  return result.status === 'stopped' ? 130 : 0;
}

async function search(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, SEARCH_OPTIONS, 'asng search');
  // `asng search inpainting ...` names the space as a positional argument.
  if (positionals.length > 1 || (positionals.length === 1 && values.space !== undefined)) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals.at(-1))} for 'asng search' (the space is given once, as --space or as the first argument)`);
  }
  if (positionals.length === 1) values.space = positionals[0]!;
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, required(values['run-dir'] as string | undefined, 'run-dir'));
  const record: CliRecord = {
    space: required(values.space as string | undefined, 'space'),
    spaceOptions: keyValues((values['space-option'] as string[] | undefined) ?? [], 'space-option'),
    dataset: required(values.dataset as string | undefined, 'dataset'),
    ...(values['data-path'] !== undefined ? { dataPath: resolve(cwd, values['data-path'] as string) } : {}),
    ...(values['data-cache'] === true ? { dataCache: true } : {}),
    optimizer: (values.optimizer as 'asng' | 'sng' | undefined) ?? 'asng',
    lambda: (values.lambda as number | undefined) ?? 2,
  };
  if (existsSync(join(runDir, 'checkpoint.bin'))) {
    throw new UsageError(`--run-dir: ${runDir} already holds a search; continue it with 'asng resume ${runDir}' or choose another directory`);
  }
  const config: SearchConfig = {
    ...trainingConfig(values),
    ...(values.steps !== undefined ? { steps: values.steps as number } : {}),
    ...(values['warmup-steps'] !== undefined ? { warmupSteps: values['warmup-steps'] as number } : {}),
    ...(values['checkpoint-minutes'] !== undefined ? { checkpointMinutes: values['checkpoint-minutes'] as number } : {}),
  };
  const space = await loadSpace(record.space, record.spaceOptions, cwd);
  const dataset = await openDataset(record.dataset, record.dataPath, io, record.dataCache);
  const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
  mkdirSync(runDir, { recursive: true });
  const recordPath = join(runDir, 'cli.json');
  writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${recordPath}.tmp`, recordPath);
  try {
    return await execute(io, values, runDir, (callbacks) =>
      runSearch({ space, dataset, runDir, config, optimizer: optimizerFactory(record), ...(io.signal ? { signal: io.signal } : {}), ...callbacks }).then((r) =>
        afterSearch(r, runDir, space, dataset),
      ),
      backend,
    );
  } finally {
    await dataset.close?.();
  }
}

async function resume(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, COMMON, 'asng resume');
  if (positionals.length !== 1) throw new UsageError(`'asng resume' takes one run directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, positionals[0]!);
  const recordPath = join(runDir, 'cli.json');
  if (!existsSync(recordPath)) throw new Error(`${recordPath}: missing; was ${runDir} started with 'asng search'?`);
  const record = readJsonFile<CliRecord>(recordPath);
  const space = await loadSpace(record.space, record.spaceOptions, cwd);
  const dataset = await openDataset(record.dataset, record.dataPath, io, record.dataCache);
  const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
  try {
    return await execute(io, values, runDir, (callbacks) =>
      resumeSearch({ space, dataset, runDir, optimizer: optimizerFactory(record), ...(io.signal ? { signal: io.signal } : {}), ...callbacks }).then((r) =>
        afterSearch(r, runDir, space, dataset),
      ),
      backend,
    );
  } finally {
    await dataset.close?.();
  }
}

function report(argv: readonly string[], io: CliIo): number {
  const specs: OptionSpec[] = [
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'where to write the HTML (default RUN_DIR/report.html)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
  ];
  const { positionals, values } = parseArgs(argv, specs, 'asng report');
  if (positionals.length !== 1) throw new UsageError(`'asng report' takes one run directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, positionals[0]!);
  const out = resolve(cwd, (values.out as string | undefined) ?? join(runDir, 'report.html'));
  const html = renderReport(readRun(runDir));
  writeFileSync(`${out}.tmp`, html);
  renameSync(`${out}.tmp`, out);
  if (values.json === true) io.stdout(`${JSON.stringify({ report: out, bytes: Buffer.byteLength(html) })}\n`);
  else io.stdout(`Report written to ${out}\n`);
  return 0;
}

const RETRAIN_OPTIONS: OptionSpec[] = [
  ...TRAINING_OPTIONS,
  { name: 'optimizer', type: 'string', values: ['sgd', 'adam'], description: 'weight optimizer: SGD with momentum 0.9, or Adam (default sgd)' },
  { name: 'schedule', type: 'string', values: ['cosine', 'step', 'constant'], description: 'learning-rate schedule (default cosine)' },
  { name: 'min-lr', type: 'number', min: 0, placeholder: 'X', description: 'final learning rate of the cosine schedule (default 0)' },
  { name: 'decay-epochs', type: 'string', placeholder: 'E1,E2', description: 'epochs of the step schedule\'s decays (default half and three quarters of the budget)' },
  { name: 'decay-factor', type: 'number', min: 0, placeholder: 'X', description: 'factor of each step decay (default 0.1)' },
  { name: 'cutout', type: 'integer', min: 1, placeholder: 'N', description: 'cutout square side (default none)' },
  { name: 'cells', type: 'integer', min: 1, placeholder: 'N', description: "cells of the retrained network (default: the search's)" },
  { name: 'channels', type: 'integer', min: 2, placeholder: 'N', description: "channels of the retrained network (default: the search's)" },
  { name: 'param-budget', type: 'number', min: 1, placeholder: 'N', description: 'the largest even channel count whose model has at most N trainable parameters (e.g. 4e6)' },
  { name: 'auxiliary-weight', type: 'number', min: 0, placeholder: 'X', description: 'loss weight of an auxiliary head at 2/3 depth, training only (DARTS: 0.4; default none)' },
  { name: 'drop-path', type: 'number', min: 0, placeholder: 'P', description: 'drop-path probability, raised linearly from 0 over training (default none)' },
  ...COMMON,
];

const EVALUATE_OPTIONS: OptionSpec[] = [
  { name: 'split', type: 'string', values: ['test', 'train'], description: 'the split evaluated (default test, or train when the dataset has no test split)' },
  { name: 'batch-size', type: 'integer', min: 1, placeholder: 'N', description: 'batch size (default 64)' },
  { name: 'max-examples', type: 'integer', min: 1, placeholder: 'N', description: 'evaluate only the first N examples' },
  { name: 'dataset', type: 'string', values: datasetLoaders.map((l) => l.name), description: "dataset (default: the run's)" },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: "directory (or archive) with the dataset's files (default: the run's)" },
  ...COMMON,
];

const EXPORT_OPTIONS: OptionSpec[] = [
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'directory of the exported model: model.json and weights.bin (required)' },
  { name: 'seed', type: 'integer', placeholder: 'N', description: 'seed of the initial weights when the run has no retrained model (default 0)' },
  ...COMMON,
];

/** The directory of a run that holds its retrained model. */
const MODEL_DIR = 'model';

/** What a saved model says about itself, in `model.json`'s `userDefinedMetadata.asng`. */
interface ModelRecord {
  readonly space: string;
  readonly spaceOptions: SpaceOptions;
  readonly dataset: string;
  readonly dataPath?: string;
  readonly architecture: Architecture;
}

/** The metrics of the CLI: the engine's for classification; MSE, PSNR and SSIM per image for an image-to-image space. */
function cliMetrics(space: SearchSpace): BatchMetrics | undefined {
  if (space.kind !== 'image-to-image') return undefined;
  return async (outputs, targets) => {
    const [o, t] = await Promise.all([outputs.data(), targets.data()]);
    const sums = scoreRestorations(o, t, outputs.shape as [number, number, number, number]);
    return { mse: sums.loss, psnr: sums.psnr, ssim: sums.ssim };
  };
}

/** The task of a space on a dataset, as the engine forms it. */
const taskOf = (space: SearchSpace, dataset: Dataset): TaskSpec => ({ inputShape: dataset.info.shape, classes: space.kind === 'image-to-image' ? 0 : dataset.info.classes });

/** Reads what `asng search` left in a run directory: its record and most likely architecture. */
function readSearch(runDir: string): { record: CliRecord; best: Architecture } {
  const recordPath = join(runDir, 'cli.json');
  const resultPath = runFiles(runDir).result;
  for (const path of [recordPath, resultPath]) {
    if (!existsSync(path)) throw new Error(`${path}: missing; this needs a completed 'asng search' run`);
  }
  const record = readJsonFile<CliRecord>(recordPath);
  const { best } = readJsonFile<{ best: Architecture }>(resultPath);
  return { record, best };
}

/** `--cells` / `--channels` as options of the run's space, refused where a built-in space has no such option. */
function sizeOptions(record: CliRecord, values: Record<string, unknown>): SpaceOptions {
  const out: SpaceOptions = {};
  const entry = BUILT_IN_SPACES.find((s) => s.name === record.space);
  for (const name of ['cells', 'channels'] as const) {
    const value = values[name] as number | undefined;
    if (value === undefined) continue;
    if (entry !== undefined && entry.options[name] === undefined) throw new UsageError(`--${name}: the space '${record.space}' has no '${name}' option`);
    out[name] = value;
  }
  return out;
}

/** `asng retrain RUN`: the most likely architecture of a finished search, trained from scratch, tested and saved. */
async function retrainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, RETRAIN_OPTIONS, 'asng retrain');
  if (positionals.length !== 1) throw new UsageError(`'asng retrain' takes one run directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, positionals[0]!);
  const budget = values['param-budget'] as number | undefined;
  if (budget !== undefined && values.channels !== undefined) throw new UsageError('--param-budget chooses the channels: give it or --channels, not both');
  const dropPath = values['drop-path'] as number | undefined;
  if (dropPath !== undefined && !(dropPath < 1)) throw new UsageError(`--drop-path: expected a probability below 1, got ${dropPath}`);
  const decayEpochs = values['decay-epochs'] === undefined ? undefined : String(values['decay-epochs']).split(',').map(Number);
  if (decayEpochs !== undefined && decayEpochs.some((e) => !(e > 0))) throw new UsageError(`--decay-epochs: expected comma-separated positive numbers, got ${JSON.stringify(values['decay-epochs'])}`);
  const { record, best } = readSearch(runDir);
  let spaceOptions: SpaceOptions = { ...record.spaceOptions, ...sizeOptions(record, values) };
  const dataset = await openDataset(record.dataset, record.dataPath, io, record.dataCache);
  try {
    const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
    if (budget !== undefined) {
      const entry = BUILT_IN_SPACES.find((s) => s.name === record.space);
      if (entry !== undefined && entry.options.channels === undefined) throw new UsageError(`--param-budget: the space '${record.space}' has no 'channels' option`);
      const factory = await spaceFactory(record.space, cwd);
      const counts = new Map<number, number>();
      const count = (w: number) => {
        if (!counts.has(w)) {
          const candidate = factory({ ...spaceOptions, channels: w });
          counts.set(w, trainableParameterCount(candidate, best, taskOf(candidate, dataset)));
        }
        return counts.get(w)!;
      };
      const channels = largestWidthWithin({ budget, parameters: count });
      spaceOptions = { ...spaceOptions, channels };
      if (values.quiet !== true) io.stderr(`--param-budget ${budget}: ${channels} channels, ${counts.get(channels)} trainable parameters (${count(channels + 2)} at ${channels + 2})\n`);
    }
    const space = await loadSpace(record.space, spaceOptions, cwd);
    const epochs = (values.epochs as number | undefined) ?? 10;
    const config: RetrainConfig = {
      ...trainingConfig(values),
      epochs,
      ...(values.optimizer !== undefined ? { optimizer: values.optimizer as 'sgd' | 'adam' } : {}),
      ...(values.schedule !== undefined ? { schedule: values.schedule as 'cosine' | 'step' | 'constant' } : {}),
      ...(values['min-lr'] !== undefined ? { minLearningRate: values['min-lr'] as number } : {}),
      ...(decayEpochs !== undefined ? { decayEpochs } : {}),
      ...(values['decay-factor'] !== undefined ? { decayFactor: values['decay-factor'] as number } : {}),
      ...(values.cutout !== undefined ? { augment: { cutout: { size: values.cutout as number } } } : {}),
      ...(values['auxiliary-weight'] !== undefined ? { auxiliaryWeight: values['auxiliary-weight'] as number } : {}),
      ...(dropPath !== undefined ? { dropPath } : {}),
    };
    const metrics = cliMetrics(space);
    const result = await retrain({
      space,
      dataset,
      architecture: best,
      config,
      ...(metrics ? { metrics } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onEpoch: (e) => {
        if (values.quiet !== true) io.stderr(`epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, lr ${e.learningRate.toExponential(2)}, ${e.seconds.toFixed(1)} s\n`);
      },
    });
    const modelDir = join(runDir, MODEL_DIR);
    try {
      const meta: ModelRecord = { space: record.space, spaceOptions, dataset: record.dataset, ...(record.dataPath !== undefined ? { dataPath: record.dataPath } : {}), architecture: best };
      result.model.setUserDefinedMetadata({ asng: meta });
      await saveModelAtomically(result.model, modelDir);
      if (space.kind === 'image-to-image') await writeModelRestorations(runDir, space, dataset, result.model);
    } finally {
      result.model.dispose();
    }
    const summary = {
      architecture: best,
      spaceOptions,
      config,
      parameters: result.parameters,
      trainableParameters: result.trainableParameters,
      epochs: result.epochs,
      split: result.split,
      test: result.test,
      seconds: result.seconds,
      backend,
      runDir,
      model: modelDir,
    };
    const out = join(runDir, 'retrain.json');
    writeFileSync(`${out}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(`${out}.tmp`, out);
    if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
    else {
      io.stdout(
        `Retrained ${result.epochs} epoch(s): ${result.trainableParameters} trainable parameters (${result.parameters} with batch-norm statistics), ` +
          `${result.split} ${formatMetrics(result.test)} (${result.seconds.toFixed(1)} s)\nModel saved to ${modelDir}; summary in ${out}\n`,
      );
    }
    return result.epochs < epochs ? 130 : 0;
  } finally {
    await dataset.close?.();
  }
}

const formatMetrics = (metrics: Readonly<Record<string, number>>) =>
  Object.entries(metrics)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');

/** Loads a saved model and the record beside it: from a run directory (its `model/`) or a model directory. */
async function openSavedModel(path: string): Promise<{ model: LayersModel; record: ModelRecord; modelDir: string }> {
  const modelDir = existsSync(join(path, 'model.json')) ? path : join(path, MODEL_DIR);
  if (!existsSync(join(modelDir, 'model.json'))) {
    if (existsSync(join(path, 'cli.json'))) throw new Error(`${path}: no retrained model (${join(modelDir, 'model.json')} is missing); run 'asng retrain ${path}' first`);
    throw new Error(`${path}: neither a run directory with a retrained model nor a model directory (no model.json)`);
  }
  const model = await loadLayersModel(fileSystemIO(modelDir));
  const record = (model.getUserDefinedMetadata() as { asng?: ModelRecord } | undefined)?.asng;
  if (record === undefined) {
    model.dispose();
    throw new Error(`${join(modelDir, 'model.json')}: no 'asng' record in userDefinedMetadata (space, dataset); was it saved by 'asng retrain' or 'asng export'?`);
  }
  return { model, record, modelDir };
}

/** `asng evaluate RUN|MODEL_DIR`: the saved model's metrics on a split. */
async function evaluateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, EVALUATE_OPTIONS, 'asng evaluate');
  if (positionals.length !== 1) throw new UsageError(`'asng evaluate' takes one run or model directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const path = resolve(cwd, positionals[0]!);
  const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
  const { model, record, modelDir } = await openSavedModel(path);
  try {
    const datasetName = (values.dataset as string | undefined) ?? record.dataset;
    const dataPath = values['data-path'] !== undefined ? resolve(cwd, values['data-path'] as string) : values.dataset === undefined ? record.dataPath : undefined;
    const space = await loadSpace(record.space, record.spaceOptions, cwd);
    const dataset = await openDataset(datasetName, dataPath, io);
    try {
      const split = values.split as SplitName | undefined;
      if (split !== undefined && !(dataset.info.splits[split]! > 0)) throw new UsageError(`--split: dataset '${dataset.info.name}' has no '${split}' split`);
      const started = process.hrtime.bigint();
      const metrics = cliMetrics(space);
      const evaluation = await evaluateModel({
        space,
        dataset,
        model,
        ...(split !== undefined ? { split } : {}),
        ...(values['batch-size'] !== undefined ? { batchSize: values['batch-size'] as number } : {}),
        ...(values['max-examples'] !== undefined ? { maxExamples: values['max-examples'] as number } : {}),
        ...(metrics ? { metrics } : {}),
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const summary = { model: modelDir, dataset: dataset.info.name, ...evaluation, seconds, backend };
      if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
      else io.stdout(`${dataset.info.name} ${evaluation.split} (${evaluation.examples} examples): ${formatMetrics(evaluation.metrics)} (${seconds.toFixed(1)} s)\n`);
      return 0;
    } finally {
      await dataset.close?.();
    }
  } finally {
    model.dispose();
  }
}

/** `asng export RUN --out DIR`: the most likely architecture as a standalone tfjs LayersModel, with the retrained weights if any. */
async function exportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, EXPORT_OPTIONS, 'asng export');
  if (positionals.length !== 1) throw new UsageError(`'asng export' takes one run directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, positionals[0]!);
  const out = resolve(cwd, required(values.out as string | undefined, 'out'));
  const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
  let model: LayersModel;
  let weights: 'retrained' | 'initial';
  let architecture: Architecture;
  if (existsSync(join(runDir, MODEL_DIR, 'model.json'))) {
    const saved = await openSavedModel(runDir);
    ({ model } = saved);
    architecture = saved.record.architecture;
    weights = 'retrained';
  } else {
    const { record, best } = readSearch(runDir);
    const space = await loadSpace(record.space, record.spaceOptions, cwd);
    const dataset = await openDataset(record.dataset, record.dataPath, io, record.dataCache);
    try {
      model = space.buildModel(best, taskOf(space, dataset), new Rng((values.seed as number | undefined) ?? 0));
    } finally {
      await dataset.close?.();
    }
    const meta: ModelRecord = { space: record.space, spaceOptions: record.spaceOptions, dataset: record.dataset, ...(record.dataPath !== undefined ? { dataPath: record.dataPath } : {}), architecture: best };
    model.setUserDefinedMetadata({ asng: meta });
    architecture = best;
    weights = 'initial';
    if (values.quiet !== true) io.stderr(`${runDir} has no retrained model: exporting the architecture with initial weights (run 'asng retrain ${runDir}' first for trained ones)\n`);
  }
  try {
    await saveModelAtomically(model, out);
    const trainable = model.trainableWeights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
    const summary = { out, weights, parameters: model.countParams(), trainableParameters: trainable, architecture, backend };
    if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
    else io.stdout(`Exported the ${weights === 'retrained' ? 'retrained' : 'untrained'} model (${trainable} trainable parameters) to ${out}: load it with tf.loadLayersModel('file://${join(out, 'model.json')}')\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
