import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  Rng,
  formatArchitecture,
  type Architecture,
  type ArchitectureDescription,
  type Candidate,
  type Dataset,
  type NamedWeight,
  type Optimizer,
  type OptimizerState,
  type RngState,
  type SearchSpace,
  type Supernet,
  type TaskSpec,
  type Variable,
  type VariableBelief,
} from '@asng/core';
import { DataLoader, splitTrainValidation, subsetSplit, type AugmentOptions, type DataLoaderState, type Normalization } from '@asng/data';
import { createAsng } from '@asng/optimizer-asng';
import { readCheckpoint, writeCheckpoint, type CheckpointArray } from './checkpoint.js';
import {
  checkOptimizerSettings,
  createWeightOptimizer,
  scheduledLearningRate,
  type LearningRateScheduleName,
  type WeightOptimizer,
  type WeightOptimizerName,
} from './weight-optimizer.js';

/** Settings shared by searching and retraining. Plain JSON. */
export interface TrainingConfig {
  /** Seed of every random choice (data split and order, augmentation, weights, architectures). @default 0 */
  readonly seed?: number;
  /** Examples per batch. @default 64 */
  readonly batchSize?: number;
  /** Budget in epochs. @default 1 */
  readonly epochs?: number;
  /** Use at most this many training examples: quick runs. @default all */
  readonly maxExamples?: number;
  /** The weight optimizer: SGD with momentum, or Adam. @default 'sgd' */
  readonly optimizer?: WeightOptimizerName;
  /** Initial learning rate of the schedule. @default 0.025 */
  readonly learningRate?: number;
  /** The learning-rate schedule: cosine annealing, step decay, or constant. @default 'cosine' */
  readonly schedule?: LearningRateScheduleName;
  /** Final learning rate of the cosine schedule. @default 0 */
  readonly minLearningRate?: number;
  /** Epochs (fractions allowed) at which the `step` schedule multiplies the learning rate by `decayFactor`. @default half and three quarters of the budget */
  readonly decayEpochs?: readonly number[];
  /** Factor of each decay of the `step` schedule. @default 0.1 */
  readonly decayFactor?: number;
  /** SGD momentum. @default 0.9 */
  readonly momentum?: number;
  /** Adam's decay rates of its moment estimates. @default [0.9, 0.999] */
  readonly adamBetas?: readonly [number, number];
  /** L2 weight decay. @default 3e-4 */
  readonly weightDecay?: number;
  /** Global gradient-norm clipping. @default 5 */
  readonly clipNorm?: number;
  /** Augmentation of the training batches. @default none */
  readonly augment?: AugmentOptions;
  /** Per-channel normalisation of the images. @default none: pixels in [0, 1] */
  readonly normalize?: Normalization;
}

/**
 * The settings of a search: everything that, with the seed, determines its
 * numbers. An epoch pairs each training batch with a validation batch.
 */
export interface SearchConfig extends TrainingConfig {
  /** Budget in steps; overrides `epochs` when given. */
  readonly steps?: number;
  /** Fraction of the training split held out for the distribution updates. @default 0.5 */
  readonly validationFraction?: number;
  /** Number of validation batches the most likely architecture is evaluated on at the end of each epoch. @default 4 */
  readonly evaluationBatches?: number;
  /** Minutes between checkpoints (one is always written at the end and on stop). @default 10 */
  readonly checkpointMinutes?: number;
  /**
   * Warm-up of the shared weights: for the first this many steps the weights
   * are trained on architectures drawn from the optimizer's initial
   * distribution (uniform for categorical variables), which is not updated,
   * and no validation batch is used. Without it (the paper), operations with
   * parameters start as noise and the distribution learns early to prefer
   * the parameter-free ones (pooling, identity) before the convolutions have
   * had a chance. Counted within `steps`.
   * @default 0
   */
  readonly warmupSteps?: number;
}

/** A {@link SearchConfig} with every default filled in. */
export type ResolvedSearchConfig = Required<Omit<SearchConfig, 'steps' | 'augment' | 'normalize' | 'maxExamples' | 'decayEpochs'>> &
  Pick<SearchConfig, 'augment' | 'normalize' | 'maxExamples' | 'decayEpochs'> & { readonly steps: number };

/** Makes the optimizer of a search from the space's variables and an RNG forked from the run's seed. */
export type OptimizerFactory = (variables: readonly Variable[], rng: Rng) => Optimizer;

/** Reported after every step. */
export interface StepEvent {
  readonly type: 'step';
  /** Steps completed, from 1. */
  readonly step: number;
  readonly totalSteps: number;
  /** The epoch of this step, from 0. */
  readonly epoch: number;
  readonly learningRate: number;
  /** Mean training loss of the sampled architectures. */
  readonly trainLoss: number;
  /** Validation losses told to the optimizer. */
  readonly validationLosses: readonly number[];
  /** Global gradient norm before clipping. */
  readonly gradientNorm: number;
  /** The optimizer's {@link Optimizer.stats} after the update. */
  readonly optimizer: Readonly<Record<string, number>>;
  /** Training images per second over the last step (forward, backward and the validation forward passes). */
  readonly imagesPerSecond: number;
  /** Seconds since the run started (excluding time before a resume). */
  readonly seconds: number;
}

/** Reported at the end of every epoch. */
export interface EpochEvent {
  readonly type: 'epoch';
  /** The epoch that ended, from 0. */
  readonly epoch: number;
  readonly step: number;
  /** The most likely architecture now. */
  readonly best: Architecture;
  /** Its metrics on `evaluationBatches` validation batches (per example). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The optimizer's beliefs, for heat maps. */
  readonly beliefs: readonly VariableBelief[];
  readonly seconds: number;
}

/** What {@link runSearch} needs. */
export interface SearchOptions {
  /** The search space. */
  readonly space: SearchSpace;
  /** The dataset; its `train` split is divided into training and validation halves. */
  readonly dataset: Dataset;
  /** Directory of the run: `config.json`, `log.jsonl`, `checkpoint.bin`, `result.json`, `architecture.txt`. */
  readonly runDir: string;
  /** The settings. */
  readonly config?: SearchConfig;
  /** Makes the optimizer. @default ASNG with lambda = 2 */
  readonly optimizer?: OptimizerFactory;
  /** Stops the run cleanly after the current step, writing a checkpoint. */
  readonly signal?: AbortSignal;
  /** Called after each step. */
  readonly onStep?: (event: StepEvent) => void;
  /** Called after each epoch. */
  readonly onEpoch?: (event: EpochEvent) => void;
  /** Called after each checkpoint is written. */
  readonly onCheckpoint?: (path: string, step: number) => void;
}

/** How a search ended. */
export interface SearchResult {
  /** `'completed'` at the budget, `'stopped'` by the signal. */
  readonly status: 'completed' | 'stopped';
  readonly steps: number;
  readonly totalSteps: number;
  /** The most likely architecture. */
  readonly best: Architecture;
  /** Its description, from the space. */
  readonly description: ArchitectureDescription;
  /** Metrics of the last epoch's evaluation, if an epoch ended. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Seconds of search, resumed parts included. */
  readonly seconds: number;
  readonly runDir: string;
}

/** A loss that is NaN or infinite: the run stops, nothing is trained on it. */
export class NonFiniteLossError extends Error {
  constructor(
    /** The step (from 1) where it happened. */
    readonly step: number,
    /** In the weight update or in the distribution update. */
    readonly phase: 'train' | 'validation',
    /** The architecture whose loss it was. */
    readonly architecture: Architecture,
    readonly loss: number,
  ) {
    super(`step ${step}: the ${phase} loss is ${loss} for architecture ${JSON.stringify(architecture)}; the search stopped (the last checkpoint is intact)`);
    this.name = 'NonFiniteLossError';
  }
}

interface CheckpointHeader {
  readonly format: 'asng-search';
  readonly space: string;
  readonly variables: readonly string[];
  readonly config: ResolvedSearchConfig;
  readonly step: number;
  readonly seconds: number;
  readonly optimizer: OptimizerState;
  readonly trainLoader: DataLoaderState;
  readonly validationLoader: DataLoaderState;
  readonly batchRng: RngState;
  readonly lastMetrics: Readonly<Record<string, number>>;
}

/**
 * Checks the fields of training settings that are given (shared by search and
 * retraining), naming the bad one: `config.<field>: expected ..., got ...`.
 */
export function checkTrainingConfig(c: TrainingConfig): void {
  const integer = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) throw new RangeError(`config.${name}: expected an integer >= ${min}, got ${String(v)}`);
  };
  integer('seed', c.seed, Number.MIN_SAFE_INTEGER);
  integer('batchSize', c.batchSize, 1);
  integer('epochs', c.epochs, 1);
  integer('maxExamples', c.maxExamples, 1);
  const positive = (name: string, v: number | undefined, allowZero = false) => {
    if (v !== undefined && !(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) throw new RangeError(`config.${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
  };
  positive('learningRate', c.learningRate);
  positive('minLearningRate', c.minLearningRate, true);
  positive('weightDecay', c.weightDecay, true);
  if (c.clipNorm !== undefined && !(c.clipNorm > 0)) throw new RangeError(`config.clipNorm: expected a positive number (Infinity disables clipping), got ${String(c.clipNorm)}`);
  if (c.momentum !== undefined && !(c.momentum >= 0 && c.momentum < 1)) throw new RangeError(`config.momentum: expected a number in [0, 1), got ${String(c.momentum)}`);
  checkOptimizerSettings(c);
  const lr = c.learningRate ?? 0.025;
  if ((c.minLearningRate ?? 0) > lr) throw new RangeError(`config.minLearningRate (${String(c.minLearningRate)}) must not exceed config.learningRate (${lr})`);
}

/** Fills in the defaults of a {@link SearchConfig} and checks every field, naming the bad one. */
export function resolveSearchConfig(config: SearchConfig = {}): Omit<ResolvedSearchConfig, 'steps'> & { steps?: number } {
  const c = {
    seed: config.seed ?? 0,
    batchSize: config.batchSize ?? 64,
    epochs: config.epochs ?? 1,
    validationFraction: config.validationFraction ?? 0.5,
    optimizer: config.optimizer ?? 'sgd',
    learningRate: config.learningRate ?? 0.025,
    schedule: config.schedule ?? 'cosine',
    minLearningRate: config.minLearningRate ?? 0,
    decayFactor: config.decayFactor ?? 0.1,
    momentum: config.momentum ?? 0.9,
    adamBetas: config.adamBetas ?? ([0.9, 0.999] as const),
    weightDecay: config.weightDecay ?? 3e-4,
    clipNorm: config.clipNorm ?? 5,
    evaluationBatches: config.evaluationBatches ?? 4,
    checkpointMinutes: config.checkpointMinutes ?? 10,
    warmupSteps: config.warmupSteps ?? 0,
    ...(config.steps !== undefined ? { steps: config.steps } : {}),
    ...(config.maxExamples !== undefined ? { maxExamples: config.maxExamples } : {}),
    ...(config.decayEpochs !== undefined ? { decayEpochs: config.decayEpochs } : {}),
    ...(config.augment !== undefined ? { augment: config.augment } : {}),
    ...(config.normalize !== undefined ? { normalize: config.normalize } : {}),
  };
  checkTrainingConfig(c);
  const integer = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) throw new RangeError(`config.${name}: expected an integer >= ${min}, got ${String(v)}`);
  };
  integer('steps', c.steps, 1);
  integer('maxExamples', c.maxExamples, 2);
  integer('evaluationBatches', c.evaluationBatches, 0);
  integer('warmupSteps', c.warmupSteps, 0);
  if (!(Number.isFinite(c.checkpointMinutes) && c.checkpointMinutes > 0)) throw new RangeError(`config.checkpointMinutes: expected a positive number, got ${String(c.checkpointMinutes)}`);
  if (!(c.validationFraction > 0 && c.validationFraction < 1)) throw new RangeError(`config.validationFraction: expected a number in (0, 1), got ${String(c.validationFraction)}`);
  return c;
}

/** tfjs-core alone registers no gradient: say so before the first step fails obscurely. */
function checkGradientsRegistered(): void {
  if (tf.getGradient(tf.Add) === undefined) {
    throw new Error(
      "no gradients are registered in TensorFlow.js: import '@tensorflow/tfjs' (or '@tensorflow/tfjs-node') in Node, or '@tensorflow/tfjs-core/dist/register_all_gradients' with a bundler, before searching",
    );
  }
}

const defaultOptimizer: OptimizerFactory = (variables, rng) => createAsng({ variables, rng });

/** Paths of the files of a run. */
export function runFiles(runDir: string) {
  return {
    config: join(runDir, 'config.json'),
    log: join(runDir, 'log.jsonl'),
    checkpoint: join(runDir, 'checkpoint.bin'),
    result: join(runDir, 'result.json'),
    architecture: join(runDir, 'architecture.txt'),
  };
}

/**
 * Runs a one-shot architecture search, as in the paper. Each step draws
 * `lambda` architectures and takes one SGD step on a training batch on their
 * mean loss (momentum, weight decay, gradient clipping, cosine schedule);
 * then `lambda` architectures are evaluated on a validation batch (the held
 * out part of the training split) and their losses are told to the
 * optimizer. Writes a JSONL log, atomic checkpoints, and at the end the most
 * likely architecture with its description.
 *
 * If `runDir` holds a checkpoint, use {@link resumeSearch} instead; this
 * function refuses to overwrite it.
 */
export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  checkGradientsRegistered();
  const files = runFiles(options.runDir);
  if (existsSync(files.checkpoint)) {
    throw new Error(`${files.checkpoint}: the run directory already holds a search; resume it, or choose another directory`);
  }
  return run(options, resolveSearchConfig(options.config), undefined);
}

/**
 * Continues the search saved in `runDir` exactly where its last checkpoint
 * left it: the numbers that follow are those an uninterrupted run would have
 * produced. The settings are the saved ones.
 */
export async function resumeSearch(options: Omit<SearchOptions, 'config'>): Promise<SearchResult> {
  checkGradientsRegistered();
  const files = runFiles(options.runDir);
  const saved = readCheckpoint<CheckpointHeader>(files.checkpoint);
  const header = saved.header;
  if (header?.format !== 'asng-search') throw new Error(`${files.checkpoint}: not a search checkpoint (format ${JSON.stringify(header?.format)})`);
  if (header.space !== options.space.name) {
    throw new Error(`${files.checkpoint}: saved for search space '${header.space}', but space '${options.space.name}' was given`);
  }
  const names = options.space.variables.map((v) => v.name);
  if (header.variables.length !== names.length || header.variables.some((n, i) => n !== names[i])) {
    throw new Error(`${files.checkpoint}: the space's variables differ from those saved (different space options?)`);
  }
  // Resolved again: a checkpoint from an earlier version lacks the newer fields (their defaults reproduce its behaviour).
  return run(options, resolveSearchConfig(header.config), { header, arrays: saved.arrays });
}

async function run(
  options: SearchOptions | Omit<SearchOptions, 'config'>,
  base: Omit<ResolvedSearchConfig, 'steps'> & { steps?: number },
  saved: { header: CheckpointHeader; arrays: readonly CheckpointArray[] } | undefined,
): Promise<SearchResult> {
  const { space, dataset, runDir } = options;
  const files = runFiles(runDir);
  mkdirSync(runDir, { recursive: true });
  const info = dataset.info;
  const task: TaskSpec = { inputShape: info.shape, classes: space.kind === 'image-to-image' ? 0 : info.classes };
  if (space.kind !== 'image-to-image' && info.classes < 1) {
    throw new Error(`dataset '${info.name}' has no labels, but search space '${space.name}' classifies`);
  }

  // Independent streams, in a fixed order, so each part is reproducible on its own.
  const master = new Rng(base.seed);
  const splitRng = master.fork();
  const weightsRng = master.fork();
  const trainRng = master.fork();
  const validationRng = master.fork();
  const batchRng = master.fork();
  const optimizerRng = master.fork();

  const full = dataset.split('train');
  const usable = base.maxExamples !== undefined ? Math.min(base.maxExamples, full.size) : full.size;
  const source = usable < full.size ? subsetSplit(full, Int32Array.from({ length: usable }, (_, i) => i)) : full;
  const { train, validation } = splitTrainValidation(source.size, { validationFraction: base.validationFraction, rng: splitRng });
  const labels = task.classes > 0 ? 'int' : 'none';
  const loaderOptions = { batchSize: base.batchSize, labels, ...(base.normalize ? { normalize: base.normalize } : {}) } as const;
  const trainLoader = new DataLoader(subsetSplit(source, train), info.shape, {
    ...loaderOptions,
    rng: trainRng,
    dropRemainder: train.length >= base.batchSize,
    ...(base.augment ? { augment: base.augment } : {}),
  });
  const validationLoader = new DataLoader(subsetSplit(source, validation), info.shape, {
    ...loaderOptions,
    rng: validationRng,
    dropRemainder: validation.length >= base.batchSize,
  });
  const evaluationSplit = subsetSplit(source, validation.subarray(0, Math.min(validation.length, base.evaluationBatches * base.batchSize)));
  const stepsPerEpoch = Math.min(trainLoader.batchesPerEpoch, validationLoader.batchesPerEpoch);
  const config: ResolvedSearchConfig = { ...base, steps: base.steps ?? base.epochs * stepsPerEpoch };
  const totalSteps = config.steps;

  const optimizer = (options.optimizer ?? defaultOptimizer)(space.variables, optimizerRng);
  const supernet = space.createSupernet(task, weightsRng);
  const weightOptimizer = createWeightOptimizer(config);
  let step = 0;
  let secondsBefore = 0;
  let lastMetrics: Readonly<Record<string, number>> = {};

  try {
    if (saved) {
      restoreWeights(files.checkpoint, supernet.weights, weightOptimizer, saved.arrays);
      optimizer.setState(saved.header.optimizer);
      trainLoader.setState(saved.header.trainLoader);
      validationLoader.setState(saved.header.validationLoader);
      batchRng.setState(saved.header.batchRng);
      step = saved.header.step;
      secondsBefore = saved.header.seconds;
      lastMetrics = saved.header.lastMetrics;
      truncateLog(files.log, step);
    } else {
      writeJsonAtomic(files.config, { space: space.name, dataset: info.name, config });
      writeFileSync(files.log, '');
    }

    const started = process.hrtime.bigint();
    const elapsed = () => secondsBefore + Number(process.hrtime.bigint() - started) / 1e9;
    let lastCheckpoint = Date.now();
    const checkpoint = () => {
      writeCheckpoint<CheckpointHeader>(files.checkpoint, {
        header: {
          format: 'asng-search',
          space: space.name,
          variables: space.variables.map((v) => v.name),
          config,
          step,
          seconds: elapsed(),
          optimizer: optimizer.getState(),
          trainLoader: trainLoader.getState(),
          validationLoader: validationLoader.getState(),
          batchRng: batchRng.getState(),
          lastMetrics,
        },
        arrays: weightArrays(supernet.weights, weightOptimizer),
      });
      lastCheckpoint = Date.now();
      options.onCheckpoint?.(files.checkpoint, step);
    };

    const trainable = supernet.weights.filter((w) => w.trainable).map((w) => w.variable);
    /** Draws lambda architectures, tells the optimizer their losses on one validation batch, returns the losses. */
    const distributionStep = async (done: number): Promise<number[]> => {
      const validationCandidates = optimizer.ask();
      const validationBatch = await validationLoader.next();
      const vBatch = space.toBatch(validationBatch.images, validationBatch.labels as tf.Tensor1D | null, task, batchRng);
      validationBatch.dispose();
      let losses: number[];
      try {
        losses = validationCandidates.map((c) => scalarOf(() => supernet.loss(c.architecture, vBatch, { training: true })));
      } finally {
        tf.dispose([vBatch.inputs, vBatch.targets]);
      }
      const bad = losses.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NonFiniteLossError(done + 1, 'validation', validationCandidates[bad]!.architecture, losses[bad]!);
      optimizer.tell(validationCandidates as Candidate[], losses);
      return losses;
    };
    while (step < totalSteps) {
      // Data reads resolve as microtasks, so without this the loop would never
      // let the event loop run: no signal handler (Ctrl-C), timer or I/O callback.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) break;
      const stepStart = process.hrtime.bigint();
      const epoch = Math.floor(step / stepsPerEpoch);
      const learningRate = scheduledLearningRate(config, step, totalSteps, stepsPerEpoch);

      // Weight step on the mean training loss of lambda architectures.
      const candidates = optimizer.ask();
      const trainBatch = await trainLoader.next();
      const batch = space.toBatch(trainBatch.images, trainBatch.labels as tf.Tensor1D | null, task, batchRng);
      trainBatch.dispose();
      let trainLoss: number;
      let gradientNorm: number;
      // One backward pass per architecture, gradients summed: the activations
      // of only one architecture are alive at a time, which halves peak memory.
      const grads: Record<string, tf.Tensor> = {};
      try {
        let lossSum = 0;
        for (const candidate of candidates) {
          const { value, grads: own } = tf.variableGrads(
            () => tf.div(supernet.loss(candidate.architecture, batch, { training: true }), candidates.length) as tf.Scalar,
            trainable,
          );
          const loss = (value.dataSync() as Float32Array)[0]! * candidates.length;
          value.dispose();
          if (!Number.isFinite(loss)) {
            tf.dispose(own);
            // Nothing has been applied to the weights yet.
            throw new NonFiniteLossError(step + 1, 'train', candidate.architecture, loss);
          }
          lossSum += loss;
          for (const [name, g] of Object.entries(own)) {
            const previous = grads[name];
            if (previous === undefined) {
              grads[name] = g;
            } else {
              grads[name] = tf.add(previous, g);
              tf.dispose([previous, g]);
            }
          }
        }
        trainLoss = lossSum / candidates.length;
        gradientNorm = weightOptimizer.step(supernet.weights, grads, learningRate);
      } finally {
        tf.dispose(Object.values(grads));
        tf.dispose([batch.inputs, batch.targets]);
      }

      // Distribution step on the validation losses of lambda fresh architectures (none while warming up).
      const validationLosses = step < config.warmupSteps ? [] : await distributionStep(step);
      step++;


      const stepSeconds = Number(process.hrtime.bigint() - stepStart) / 1e9;
      const event: StepEvent = {
        type: 'step',
        step,
        totalSteps,
        epoch,
        learningRate,
        trainLoss,
        validationLosses,
        gradientNorm,
        optimizer: optimizer.stats(),
        imagesPerSecond: ((validationLosses.length > 0 ? 2 : 1) * config.batchSize) / stepSeconds,
        seconds: elapsed(),
      };
      appendFileSync(files.log, `${JSON.stringify(event)}\n`);
      options.onStep?.(event);

      if (step % stepsPerEpoch === 0 || step === totalSteps) {
        const best = optimizer.best();
        lastMetrics = await evaluate(supernet, space, task, best, evaluationSplit, config, batchRng.getState());
        const epochEvent: EpochEvent = { type: 'epoch', epoch, step, best, metrics: lastMetrics, beliefs: optimizer.beliefs(), seconds: elapsed() };
        appendFileSync(files.log, `${JSON.stringify(epochEvent)}\n`);
        options.onEpoch?.(epochEvent);
      }
      if (Date.now() - lastCheckpoint >= config.checkpointMinutes * 60_000) checkpoint();
    }
    checkpoint();
    const best = optimizer.best();
    const description = space.describe(best);
    const result: SearchResult = {
      status: step >= totalSteps ? 'completed' : 'stopped',
      steps: step,
      totalSteps,
      best,
      description,
      metrics: lastMetrics,
      seconds: elapsed(),
      runDir,
    };
    if (result.status === 'completed') {
      writeJsonAtomic(files.result, result);
      writeTextAtomic(files.architecture, `${formatArchitecture(space.variables, best)}\n\n${description.text}\n`);
    }
    return result;
  } catch (error) {
    if (error instanceof NonFiniteLossError) {
      appendFileSync(files.log, `${JSON.stringify({ type: 'error', step: error.step, phase: error.phase, loss: String(error.loss), architecture: error.architecture })}\n`);
    }
    throw error;
  } finally {
    trainLoader.close();
    validationLoader.close();
    supernet.dispose();
    weightOptimizer.dispose();
  }
}

/** The value of a scalar computed in `tf.tidy`, the scalar freed. */
function scalarOf(f: () => tf.Scalar): number {
  const t = tf.tidy(f);
  try {
    return (t.dataSync() as Float32Array)[0]!;
  } finally {
    t.dispose();
  }
}

/** Per-example metrics of `architecture` on a fixed set of validation examples, without touching any stream. */
async function evaluate(
  supernet: Supernet,
  space: SearchSpace,
  task: TaskSpec,
  architecture: Architecture,
  split: ReturnType<typeof subsetSplit>,
  config: ResolvedSearchConfig,
  rngState: RngState,
): Promise<Readonly<Record<string, number>>> {
  if (split.size === 0 || config.evaluationBatches === 0) return {};
  const loader = new DataLoader(split, task.inputShape, {
    batchSize: config.batchSize,
    rng: new Rng(0),
    shuffle: false,
    labels: task.classes > 0 ? 'int' : 'none',
    prefetch: 0,
    ...(config.normalize ? { normalize: config.normalize } : {}),
  });
  // A copy of the batch stream, so that evaluation changes nothing a resumed run depends on.
  const rng = Rng.fromState(rngState);
  const sums: Record<string, number> = {};
  let count = 0;
  for await (const raw of loader.epoch()) {
    const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, rng);
    raw.dispose();
    try {
      const metrics = await supernet.evaluate(architecture, batch);
      for (const [k, v] of Object.entries(metrics)) sums[k] = (sums[k] ?? 0) + v;
      count += raw.count;
    } finally {
      tf.dispose([batch.inputs, batch.targets]);
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / count;
  return out;
}

/** The weights as `weight/<name>`, and the optimizer's slots under their own names (`momentum/<name>`, `adam-m/<name>`, ...). */
function weightArrays(weights: readonly NamedWeight[], weightOptimizer: WeightOptimizer): CheckpointArray[] {
  const arrays: CheckpointArray[] = weights.map((w) => ({ name: `weight/${w.name}`, shape: w.variable.shape, data: w.variable.dataSync() as Float32Array }));
  const names = new Set(weights.map((w) => w.name));
  for (const [key, slot] of weightOptimizer.slotTensors()) {
    if (names.has(key.slice(key.indexOf('/') + 1))) arrays.push({ name: key, shape: slot.shape, data: slot.dataSync() as Float32Array });
  }
  return arrays;
}

function restoreWeights(path: string, weights: readonly NamedWeight[], weightOptimizer: WeightOptimizer, arrays: readonly CheckpointArray[]): void {
  const byName = new Map(arrays.map((a) => [a.name, a] as const));
  // Check everything before assigning anything.
  for (const w of weights) {
    const a = byName.get(`weight/${w.name}`);
    if (a === undefined) throw new Error(`${path}: weight '${w.name}' is missing (was the search space configured differently?)`);
    if (a.shape.length !== w.variable.shape.length || a.shape.some((d, i) => d !== w.variable.shape[i])) {
      throw new Error(`${path}: weight '${w.name}' has shape [${a.shape.join(', ')}], the supernet expects [${w.variable.shape.join(', ')}]`);
    }
  }
  for (const w of weights) {
    const a = byName.get(`weight/${w.name}`)!;
    tf.tidy(() => w.variable.assign(tf.tensor(a.data, a.shape as number[], 'float32')));
  }
  const slots = new Map<string, tf.Tensor>();
  for (const a of arrays) {
    if (!a.name.startsWith('weight/')) slots.set(a.name, tf.tensor(a.data, a.shape as number[], 'float32'));
  }
  try {
    weightOptimizer.setSlots(slots);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        const entry = JSON.parse(line) as { step?: number };
        return (entry.step ?? 0) <= step;
      } catch {
        return false;
      }
    });
  writeTextAtomic(path, kept.length > 0 ? `${kept.join('\n')}\n` : '');
}

function writeTextAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
