import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset, DatasetLoader } from '@asng/core';
import { datasetLoaders, runDataCli } from '@asng/data-cli';
import { resumeSearch, retrain, runFiles, runSearch, type OptimizerFactory, type SearchConfig, type SearchResult } from '@asng/engine';
import { createAsng, createSng } from '@asng/optimizer-asng';
import { keyValues, optionsUsage, parseArgs, UsageError, type OptionSpec } from './args.js';
import { ProgressBar } from './progress.js';
import { readRun, renderReport } from './report.js';
import { afterSearch, writeModelRestorations } from './restorations.js';
import { BUILT_IN_SPACES, loadSpace, type SpaceOptions } from './spaces.js';

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
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'directory of the run (required)' },
  { name: 'optimizer', type: 'string', values: ['asng', 'sng'], description: 'architecture optimizer (default asng)' },
  { name: 'lambda', type: 'integer', min: 2, placeholder: 'N', description: 'architectures per update (default 2)' },
  { name: 'steps', type: 'integer', min: 1, placeholder: 'N', description: 'budget in steps (overrides --epochs)' },
  ...TRAINING_OPTIONS,
  { name: 'checkpoint-minutes', type: 'number', min: 0, placeholder: 'X', description: 'minutes between checkpoints (default 10)' },
  ...COMMON,
];

const USAGE = `usage: asng <command> [options]

Commands:
  search     run an architecture search:  asng search [SPACE] --dataset D --run-dir DIR ...
  resume     continue a stopped search:  asng resume RUN_DIR
  retrain    train the found architecture from scratch and test it:
                                          asng retrain RUN_DIR [--epochs N --batch-size N --lr X --cutout N --seed N --max-examples N]
  report     write an HTML report:        asng report RUN_DIR [--out FILE]
  data       dataset information:         asng data info <dataset> [--json]

asng search options:
${optionsUsage(SEARCH_OPTIONS)}

Built-in spaces (or give the path of a module exporting one):
${BUILT_IN_SPACES.map((s) => `  ${s.name.padEnd(12)} ${s.description}\n  ${''.padEnd(12)} options: ${Object.keys(s.options).join(', ')}`).join('\n')}`;

/** What `asng search` saved to rebuild its parts on resume. */
interface CliRecord {
  readonly space: string;
  readonly spaceOptions: SpaceOptions;
  readonly dataset: string;
  readonly dataPath?: string;
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
      case 'data':
        return await runDataCli(rest, io);
      case undefined:
      case '--help':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; accepted: search, resume, retrain, report, data`);
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

async function openDataset(name: string, path: string | undefined, io: CliIo): Promise<Dataset> {
  const loader: DatasetLoader | undefined = datasetLoaders.find((l) => l.name === name);
  if (loader === undefined) throw new UsageError(`--dataset: unknown dataset ${JSON.stringify(name)}; accepted: ${datasetLoaders.map((l) => l.name).join(', ')}`);
  return loader.load({
    ...(path !== undefined ? { path: resolve(io.cwd ?? process.cwd(), path) } : {}),
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
    optimizer: (values.optimizer as 'asng' | 'sng' | undefined) ?? 'asng',
    lambda: (values.lambda as number | undefined) ?? 2,
  };
  if (existsSync(join(runDir, 'checkpoint.bin'))) {
    throw new UsageError(`--run-dir: ${runDir} already holds a search; continue it with 'asng resume ${runDir}' or choose another directory`);
  }
  const config: SearchConfig = {
    ...trainingConfig(values),
    ...(values.steps !== undefined ? { steps: values.steps as number } : {}),
    ...(values['checkpoint-minutes'] !== undefined ? { checkpointMinutes: values['checkpoint-minutes'] as number } : {}),
  };
  const space = await loadSpace(record.space, record.spaceOptions, cwd);
  const dataset = await openDataset(record.dataset, record.dataPath, io);
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
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as CliRecord;
  const space = await loadSpace(record.space, record.spaceOptions, cwd);
  const dataset = await openDataset(record.dataset, record.dataPath, io);
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
  { name: 'cutout', type: 'integer', min: 1, placeholder: 'N', description: 'cutout square side (default none)' },
  ...COMMON,
];

/** `asng retrain RUN`: the most likely architecture of a finished search, trained from scratch and tested. */
async function retrainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs(argv, RETRAIN_OPTIONS, 'asng retrain');
  if (positionals.length !== 1) throw new UsageError(`'asng retrain' takes one run directory, got ${positionals.length}`);
  const cwd = io.cwd ?? process.cwd();
  const runDir = resolve(cwd, positionals[0]!);
  const recordPath = join(runDir, 'cli.json');
  const resultPath = runFiles(runDir).result;
  for (const path of [recordPath, resultPath]) {
    if (!existsSync(path)) throw new Error(`${path}: missing; retrain needs a completed 'asng search' run`);
  }
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as CliRecord;
  const { best } = JSON.parse(readFileSync(resultPath, 'utf8')) as { best: Record<string, string | number> };
  const space = await loadSpace(record.space, record.spaceOptions, cwd);
  const dataset = await openDataset(record.dataset, record.dataPath, io);
  const backend = await setBackend(io, (values.backend as string | undefined) ?? 'auto', (values.threads as number | undefined) ?? 'auto', values.quiet === true);
  try {
    const epochs = (values.epochs as number | undefined) ?? 10;
    const result = await retrain({
      space,
      dataset,
      architecture: best,
      config: {
        ...trainingConfig(values),
        epochs,
        ...(values.cutout !== undefined ? { augment: { cutout: { size: values.cutout as number } } } : {}),
      },
      ...(io.signal ? { signal: io.signal } : {}),
      onEpoch: (e) => {
        if (values.quiet !== true) io.stderr(`epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, lr ${e.learningRate.toExponential(2)}, ${e.seconds.toFixed(1)} s\n`);
      },
    });
    try {
      if (space.kind === 'image-to-image') await writeModelRestorations(runDir, space, dataset, result.model);
    } finally {
      result.model.dispose();
    }
    const summary = { architecture: best, parameters: result.parameters, epochs: result.epochs, test: result.test, seconds: result.seconds, backend, runDir };
    const out = join(runDir, 'retrain.json');
    writeFileSync(`${out}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(`${out}.tmp`, out);
    if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
    else io.stdout(`Retrained ${result.epochs} epoch(s): ${result.parameters} parameters, test ${JSON.stringify(result.test)} (${result.seconds.toFixed(1)} s); written to ${out}\n`);
    return result.epochs < epochs ? 130 : 0;
  } finally {
    await dataset.close?.();
  }
}
