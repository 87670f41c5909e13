/**
 * What both tasks of the quality benchmark share: the budgets' names, the
 * resumable store of finished pieces, the resumable search, and the
 * statistics of found against random.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  comparisonArchitectures,
  drawnArchitectures,
  likeliestArchitectures,
  Rng,
  type Architecture,
  type Dataset,
  type LikelyArchitecture,
  type SearchSpace,
  type Variable,
  type VariableBelief,
} from '@asng/core';
import { resumeSearch, runFiles, runSearch, writeFileAtomic, writeJsonAtomic, type SearchConfig, type StepEvent } from '@asng/engine';
import { createAsng } from '@asng/optimizer-asng';

/** The tasks of the benchmark. */
export const TASKS = ['classification', 'inpainting'] as const;
/** A task of the benchmark. */
export type Task = (typeof TASKS)[number];

/** The budgets: `smoke` for CI, `standard` (found against K random) and `best` (the found architecture alone, a user's budget). */
export const BUDGETS = ['smoke', 'standard', 'best'] as const;
/** A budget of the benchmark. */
export type Budget = (typeof BUDGETS)[number];

/** Prints one progress line (to stderr). */
export type Log = (line: string) => void;

/** What a task's run needs besides its settings. */
export interface TaskContext {
  /** The run's directory: one per task, budget and seed, so that the same command resumes. */
  readonly runDir: string;
  /** The search seeds, in order. */
  readonly seeds: readonly number[];
  /** Random architectures to retrain per search seed (0 at the `best` budget). */
  readonly random: number;
  /** Retrainings of every network, each from scratch with its own seed (see {@link retrainings}); its figure is their mean. @default 1 */
  readonly retrainSeeds?: number;
  readonly log: Log;
  /** Another run's piece directory whose random architectures' retrainings this run takes (see {@link reusablePieceDir}). */
  readonly reuseRandomFrom?: string;
  /**
   * With a selection after the search: also retrain every finalist as the
   * found network is retrained and tested (each finalist's `test`), and give
   * the rank correlation of the selection's held-out scores with those test
   * figures (`selectionKendall`, `selectionSpearman`): how far the selection's
   * cheaper training predicts the one reported. A measurement: it does not
   * change which network is selected.
   */
  readonly retrainFinalists?: boolean;
}

/** The k-th retraining's seed is the search seed plus k times this (k from 0). */
export const RETRAIN_SEED_STRIDE = 1000;

/**
 * The finalists of a selection after the search train with the search seed
 * plus this: a seed no retraining uses, so that the retrainings reported
 * are independent of the trainings that selected the network (the same
 * seed would repeat the selected finalist's training, lucky start included).
 */
export const FINALIST_SEED_OFFSET = 500;

/** The images at the end of the training split that score the finalists: `given`, else 10,000, at most a fifth of the split. */
export function finalistHoldOut(given: number | undefined, trainSize: number): number {
  return given ?? Math.min(10_000, Math.floor(trainSize / 5));
}

/** The final beliefs of a stored search, which a selection among finalists needs; an error naming the piece where an earlier version stored none. */
export function finalBeliefs(search: SearchOutcome, label: string, piecesDir: string): readonly VariableBelief[] {
  if (search.beliefs === undefined)
    throw new Error(
      `${label}: its stored search has no final beliefs (an earlier version wrote it); delete ${join(piecesDir, `${label}.json`)} to search again`,
    );
  return search.beliefs;
}

/** How a selection after the search picks its finalists: the likeliest ones, or the mode and draws from the final distribution. */
export const FINALIST_DRAWS = ['likeliest', 'drawn'] as const;
/** One of {@link FINALIST_DRAWS}. */
export type FinalistDraw = (typeof FINALIST_DRAWS)[number];

/**
 * The finalists of search seed `seed`: `likeliestArchitectures` (`draw`
 * 'likeliest', the default), or `drawnArchitectures` (the mode, then
 * different architectures drawn from the final beliefs on a stream of their
 * own, `new Rng(seed + FINALIST_SEED_OFFSET).fork()`, so the same seed draws
 * the same finalists).
 */
export function finalistCandidates(
  beliefs: readonly VariableBelief[],
  mode: Architecture,
  count: number,
  draw: FinalistDraw | undefined,
  seed: number,
  key?: (architecture: Architecture) => string,
): LikelyArchitecture[] {
  const options = key !== undefined ? { key } : {};
  return draw === 'drawn'
    ? drawnArchitectures(beliefs, mode, count, new Rng(seed + FINALIST_SEED_OFFSET).fork(), options)
    : likeliestArchitectures(beliefs, mode, count, options);
}

/** The index of the largest of `values`, the first one on a tie (the likelier finalist). */
export function indexOfBest(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);
}

/**
 * The retrainings of a network of search seed `seed`: `count` of them, each
 * with its seed and the suffix of its piece's name. The first is the search
 * seed with no suffix, so that one retraining per network is what earlier
 * runs did, and a run given more retrainings reuses the first.
 */
export function retrainings(seed: number, count: number): { seed: number; suffix: string }[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`retrainings: expected a positive integer count, got ${count}`);
  return Array.from({ length: count }, (_, k) => ({ seed: seed + k * RETRAIN_SEED_STRIDE, suffix: k === 0 ? '' : `-retrain${k + 1}` }));
}

/** The piece store of a task's run in `ctx`, taking random retrainings from `ctx.reuseRandomFrom` when given. */
export function pieceStoreOf(ctx: TaskContext): PieceStore {
  return new PieceStore(join(ctx.runDir, 'pieces'), ctx.reuseRandomFrom !== undefined ? { dir: ctx.reuseRandomFrom, names: isRandomPiece } : undefined);
}

/** Seconds spent, summed over the whole run (resumed parts included). */
export interface Seconds {
  readonly search: number;
  readonly retrain: number;
}

/** Mean, population standard deviation and maximum of `values` (NaN when empty). */
export function stats(values: readonly number[]): { mean: number; std: number; max: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN, max: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, max: Math.max(...values) };
}

/**
 * The rank of `value` among `value` and `others`, 1 the best (ties share the
 * better rank): how many of the others are strictly better, plus one.
 */
export function rankAmong(value: number, others: readonly number[], higherIsBetter = true): number {
  return 1 + others.filter((o) => (higherIsBetter ? o > value : o < value)).length;
}

/**
 * The `count` random architectures compared with search seed `seed`: core's
 * `comparisonArchitectures` (drawn uniformly, each variable's choice
 * independent; a stream of their own, so that they are the same whatever else
 * the run does, and different for each seed). `asng retrain
 * --random-architecture I` draws the same ones.
 */
export function randomArchitectures(variables: readonly Variable[], seed: number, count: number): Architecture[] {
  return comparisonArchitectures(variables, seed, count);
}

/**
 * A store of finished pieces of work (a search's outcome, one retraining's
 * figures) as JSON files under `dir`, each written atomically: a run that is
 * stopped and started again with the same command skips what is done.
 */
export class PieceStore {
  /**
   * @param dir Where the pieces go.
   * @param reuse Another run's piece directory, and which of its pieces this
   *   run may take instead of computing them (see {@link reusablePieceDir}).
   */
  constructor(
    readonly dir: string,
    readonly reuse?: { readonly dir: string; readonly names: (name: string) => boolean },
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * The stored value of `name`; else the other run's piece of that name,
   * where reuse allows it (then copied here); else what `compute` returns
   * (then stored).
   */
  async get<T>(name: string, compute: () => Promise<T>): Promise<T> {
    const path = join(this.dir, `${name}.json`);
    if (existsSync(path)) return readPiece<T>(path);
    const other = this.reuse?.names(name) === true ? join(this.reuse.dir, `${name}.json`) : undefined;
    const value = other !== undefined && existsSync(other) ? readPiece<T>(other) : await compute();
    writeJsonAtomic(path, value);
    return value;
  }
}

function readPiece<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message}); delete it to compute it again`);
  }
}

/**
 * The search settings that change only how the search runs (its length,
 * warm-up, optimizer, objective and supernet width), not the space, the random architectures drawn from
 * it or their retraining.
 */
const SEARCH_SCHEDULE_FIELDS = [
  'steps',
  'warmupSteps',
  'initialDelta',
  'lambda',
  'parameterPenalty',
  'holeWeight',
  'selectionHoleWeight',
  'freezeWeightsAfterWarmup',
  // The supernet's width and a budget-width search change the weights the search shares, not the variables.
  'channels',
  'supernetChannels',
  'parameterBudget',
  'batchSize',
  'learningRate',
  'optimizer',
  'weightDecay',
  'maxExamples',
  // A selection after the search picks among its finalists: the random networks are not concerned.
  'finalists',
  'finalistDraw',
  'finalistExamples',
  'finalistHoldOut',
];

/**
 * The piece directory holding the random architectures' retrainings of
 * `other`, checked to come from a run pinned with settings comparable to
 * `pinned` (the object given to {@link pinSettings}): the same task, budget
 * and settings except the search schedule. A variant of the search (another
 * warm-up, say) can then be compared with the same random architectures
 * without retraining them again.
 *
 * `other` is either a run directory of this benchmark (its `pieces` are
 * used), or a `quality.json` (such as the committed `results/*.json`, which
 * outlive run directories): its random architectures' figures (inpainting:
 * and the hand-written autoencoders', each retraining's) are then written
 * as pieces into `<runDir>/reused-random`, and that directory is returned. Either way the
 * task checks that each reused piece holds the very architecture it draws.
 */
export function reusablePieceDir(
  pinned: { readonly task: string; readonly budget: string; readonly settings: { readonly search: object } },
  other: string,
  runDir?: string,
): string {
  const isFile = existsSync(other) && statSync(other).isFile();
  const path = isFile ? other : join(other, 'settings.json');
  if (!existsSync(path)) throw new Error(`--reuse-random ${other}: no settings.json there; expected a run directory or a quality.json of this benchmark`);
  let saved: typeof pinned & { readonly random?: unknown };
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as typeof saved;
  } catch (error) {
    throw new Error(
      `--reuse-random ${other}: ${path} is not valid JSON (${(error as Error).message}); expected the settings or results of a run of this benchmark`,
    );
  }
  const comparable = (p: typeof pinned) =>
    JSON.stringify({
      task: p.task,
      budget: p.budget,
      // Inpainting's pieces are per mask, so a run of fewer masks takes the other's pieces of its own masks.
      settings: {
        ...p.settings,
        masks: undefined,
        search: Object.fromEntries(Object.entries(p.settings?.search ?? {}).filter(([k]) => !SEARCH_SCHEDULE_FIELDS.includes(k))),
      },
    });
  if (comparable(saved) !== comparable(pinned)) {
    throw new Error(
      `--reuse-random ${other}: its task, budget or settings (other than the search's ${SEARCH_SCHEDULE_FIELDS.join(', ')}) differ from this run's; its random architectures are not comparable`,
    );
  }
  if (!isFile) return join(other, 'pieces');
  if (runDir === undefined) throw new Error('reusablePieceDir: a results file needs the run directory to write its pieces to');
  if (saved.task === 'inpainting') {
    const masks = (pinned.settings as { readonly masks?: readonly string[] }).masks ?? [];
    return inpaintingPiecesOf(saved as unknown as Record<string, unknown>, other, join(runDir, 'reused-random'), masks);
  }
  if (!Array.isArray(saved.random)) throw new Error(`--reuse-random ${other}: field "random": expected the list of random architectures' figures`);
  const dir = join(runDir, 'reused-random');
  mkdirSync(dir, { recursive: true });
  for (const [i, entry] of (saved.random as unknown[]).entries()) {
    const e = entry as { seed?: unknown; index?: unknown; metric?: unknown; architecture?: unknown };
    if (
      !Number.isInteger(e.seed) ||
      !Number.isInteger(e.index) ||
      typeof e.metric !== 'number' ||
      typeof e.architecture !== 'object' ||
      e.architecture === null
    ) {
      throw new Error(`--reuse-random ${other}: field "random[${i}]": expected {seed, index, metric, architecture, ...} of a retrained random architecture`);
    }
    const { index, ...piece } = e;
    writeJsonAtomic(join(dir, `random-seed${e.seed}-${index}.json`), piece);
  }
  return dir;
}

/**
 * The pieces of an inpainting `quality.json`'s random networks and
 * hand-written autoencoders, one per mask of this run (`masks`) and retraining (names as the
 * inpainting task gives them), written into `dir`: PSNR, SSIM, weights and
 * width of each retraining, its `architecture` (random networks: the
 * space's one-line description, which the task checks against the
 * architecture it draws), and 0 seconds (not retrained by this run).
 */
function inpaintingPiecesOf(saved: Record<string, unknown>, other: string, dir: string, masks: readonly string[]): string {
  type Entry = {
    seed?: unknown;
    index?: unknown;
    metric?: Record<string, { psnr?: unknown; ssim?: unknown }>;
    retrains?: Record<string, { psnr?: unknown; ssim?: unknown }[]>;
    parameters?: Record<string, unknown>;
    width?: Record<string, unknown>;
    architecture?: Record<string, unknown>;
  };
  mkdirSync(dir, { recursive: true });
  for (const field of ['random', 'handWritten'] as const) {
    const list = saved[field];
    if (!Array.isArray(list)) throw new Error(`--reuse-random ${other}: field "${field}": expected a list of retrained networks' figures`);
    for (const [i, raw] of (list as Entry[]).entries()) {
      const where = `--reuse-random ${other}: field "${field}[${i}]"`;
      const e = raw ?? {};
      if (!Number.isInteger(e.seed) || (field === 'random' && !Number.isInteger(e.index)) || typeof e.metric !== 'object' || e.metric === null)
        throw new Error(`${where}: expected {seed,${field === 'random' ? ' index,' : ''} metric, parameters, width, ...} of a retrained network`);
      // Only this run's masks (names the file cannot choose: they become file names).
      for (const mask of masks) {
        const metric = e.metric[mask];
        if (metric === undefined) continue;
        const runs = e.retrains?.[mask] ?? [metric];
        const parameters = e.parameters?.[mask];
        const width = e.width?.[mask];
        const architecture = e.architecture?.[mask];
        const ok =
          runs.length >= 1 &&
          runs.every((r) => typeof r?.psnr === 'number' && typeof r.ssim === 'number') &&
          Number.isInteger(parameters) &&
          Number.isInteger(width) &&
          (field === 'handWritten' || typeof architecture === 'string');
        if (!ok)
          throw new Error(
            `${where}: expected for mask '${mask}' its PSNR and SSIM (of each retraining), weights, width${field === 'random' ? ' and architecture' : ''}`,
          );
        const seed = e.seed as number;
        const name = field === 'random' ? `random-seed${seed}-${mask}-${e.index as number}` : `hand-written-seed${seed}-${mask}`;
        for (const [k, r] of retrainings(seed, runs.length).entries()) {
          const piece = {
            psnr: runs[k]!.psnr,
            ssim: runs[k]!.ssim,
            parameters,
            width,
            seconds: 0,
            ...(field === 'random' ? { architecture } : {}),
          };
          writeJsonAtomic(join(dir, `${name}${r.suffix}.json`), piece);
        }
      }
    }
  }
  return dir;
}

/**
 * Whether a piece does not depend on the search: a random architecture's or
 * the hand-written autoencoder's retraining (the pieces {@link reusablePieceDir}
 * allows to reuse).
 */
export const isRandomPiece = (name: string): boolean => name.startsWith('random-') || name.startsWith('hand-written-');

/**
 * Records the settings of a run in `settings.json`, or checks that a run
 * being resumed was started with the same ones: mixing figures of different
 * settings would make the comparison meaningless.
 */
export function pinSettings(runDir: string, settings: unknown): void {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, 'settings.json');
  const text = `${JSON.stringify(settings, null, 2)}\n`;
  if (existsSync(path)) {
    const saved = readFileSync(path, 'utf8');
    if (saved !== text) {
      throw new Error(
        `${path}: this run directory was started with other settings; use another --run-dir, or delete it to start again\nsaved: ${saved.replace(/\s+/g, ' ')}\nnow:   ${text.replace(/\s+/g, ' ')}`,
      );
    }
    return;
  }
  writeFileAtomic(path, text);
}

/** What a finished search leaves for the comparison. */
export interface SearchOutcome {
  readonly best: Architecture;
  /** The optimizer's convergence at the end (1: every variable decided). */
  readonly convergence: number;
  readonly steps: number;
  /** Metrics of the most likely architecture on held-out batches, with the supernet's weights. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly seconds: number;
  /** The space's description of the most likely architecture (first line). */
  readonly summary: string;
  /** The optimizer's final beliefs (absent from the pieces of earlier versions of this benchmark). */
  readonly beliefs?: readonly VariableBelief[];
}

/**
 * Runs a search in `runDir`, or resumes it from its checkpoint there, and
 * returns its outcome; logs a line about every 30 seconds.
 */
export async function searchOrResume(options: {
  readonly space: SearchSpace;
  readonly dataset: Dataset;
  readonly runDir: string;
  readonly config: SearchConfig;
  readonly log: Log;
  readonly label: string;
  /** ASNG's initial trust region `delta` (the optimizer's `initialDelta`); the paper's 1 when absent. */
  readonly initialDelta?: number;
  /** ASNG's population `lambda`: architectures drawn per weight step and per distribution step; the paper's 2 when absent. */
  readonly lambda?: number;
}): Promise<SearchOutcome> {
  const { space, dataset, runDir, config, log, label, initialDelta, lambda } = options;
  const optimizer =
    initialDelta === undefined && lambda === undefined
      ? undefined
      : (variables: readonly Variable[], rng: Rng) =>
          createAsng({ variables, rng, ...(initialDelta !== undefined ? { initialDelta } : {}), ...(lambda !== undefined ? { lambda } : {}) });
  let last: StepEvent | undefined;
  let lastReport = -Infinity;
  const onStep = (e: StepEvent) => {
    last = e;
    if (e.seconds - lastReport < 30 && e.step !== e.totalSteps) return;
    lastReport = e.seconds;
    log(
      `${label} step ${e.step}/${e.totalSteps}: loss ${e.trainLoss.toFixed(3)}, convergence ${(e.optimizer.convergence ?? Number.NaN).toFixed(3)}, ${e.seconds.toFixed(0)} s`,
    );
  };
  const resumed = existsSync(runFiles(runDir).checkpoint);
  if (resumed) log(`${label}: resuming ${runDir}`);
  const common = { space, dataset, runDir, onStep, ...(optimizer !== undefined ? { optimizer } : {}) };
  const result = resumed ? await resumeSearch(common) : await runSearch({ ...common, config });
  if (result.status !== 'completed') throw new Error(`${label}: the search stopped after step ${result.steps}`);
  const convergence = last?.optimizer.convergence ?? lastLoggedConvergence(runDir);
  return {
    best: result.best,
    convergence,
    steps: result.steps,
    metrics: result.metrics,
    seconds: result.seconds,
    summary: result.description.text.split('\n')[0] ?? '',
    beliefs: result.beliefs,
  };
}

/** The convergence of the last step in a run's log (a search resumed at its very end runs no step). */
function lastLoggedConvergence(runDir: string): number {
  const lines = readFileSync(runFiles(runDir).log, 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    const e = JSON.parse(line) as { type?: string; optimizer?: { convergence?: number } };
    if (e.type === 'step') return e.optimizer?.convergence ?? Number.NaN;
  }
  return Number.NaN;
}

/** Seconds since `since` (from `process.hrtime.bigint()`). */
export const secondsSince = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
