import type { AugmentOptions, Normalization } from '@asng/data';
import { checkOptimizerSettings, type LearningRateScheduleName, type WeightOptimizerName } from './weight-optimizer.js';

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
  /**
   * Makes the distribution's objective know a parameter budget: each
   * architecture's validation loss is multiplied by `P ** parameterPenalty`,
   * `P` its trainable parameter count in this space (the space must count
   * parameters: the `ParameterCounter` ability). The supernet compares
   * architectures at one width, where operations with more parameters win by
   * capacity alone; retrained at an equal parameter budget, such an
   * architecture gets fewer channels. If the loss falls as a power law in
   * the parameters, `loss ~ P ** -alpha`, ranking by `loss * P ** alpha`
   * ranks the architectures as they would be at equal budgets, so the
   * penalty is that exponent. ASNG ranks, so only the order matters. The
   * logged validation losses stay the raw losses.
   * @default 0: the paper's objective, the validation loss alone
   */
  readonly parameterPenalty?: number;
  /**
   * After the warm-up, the shared weights stay as the warm-up left them:
   * the distribution then learns on a fixed supernet trained only on
   * architectures drawn from the initial (uniform) distribution, as
   * single-path one-shot searches separate the supernet's training from the
   * search. Without it (the paper) weights and distribution learn together,
   * and the supernet specialises in the architectures the distribution
   * already prefers, which then look better than the rest. A frozen step
   * still computes the training batch's loss (forward only, for the log; no
   * gradient, learning rate 0). Needs `warmupSteps` >= 1.
   * @default false
   */
  readonly freezeWeightsAfterWarmup?: boolean;
}

/** A {@link SearchConfig} with every default filled in. */
export type ResolvedSearchConfig = Required<Omit<SearchConfig, 'steps' | 'augment' | 'normalize' | 'maxExamples' | 'decayEpochs'>> &
  Pick<SearchConfig, 'augment' | 'normalize' | 'maxExamples' | 'decayEpochs'> & { readonly steps: number };

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
    if (v !== undefined && !(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0)))
      throw new RangeError(`config.${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
  };
  positive('learningRate', c.learningRate);
  positive('minLearningRate', c.minLearningRate, true);
  positive('weightDecay', c.weightDecay, true);
  if (c.clipNorm !== undefined && !(c.clipNorm > 0))
    throw new RangeError(`config.clipNorm: expected a positive number (Infinity disables clipping), got ${String(c.clipNorm)}`);
  if (c.momentum !== undefined && !(c.momentum >= 0 && c.momentum < 1))
    throw new RangeError(`config.momentum: expected a number in [0, 1), got ${String(c.momentum)}`);
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
    parameterPenalty: config.parameterPenalty ?? 0,
    freezeWeightsAfterWarmup: config.freezeWeightsAfterWarmup ?? false,
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
  if (!(Number.isFinite(c.parameterPenalty) && c.parameterPenalty >= 0))
    throw new RangeError(`config.parameterPenalty: expected a non-negative number, got ${String(c.parameterPenalty)}`);
  if (typeof c.freezeWeightsAfterWarmup !== 'boolean')
    throw new RangeError(`config.freezeWeightsAfterWarmup: expected true or false, got ${String(c.freezeWeightsAfterWarmup)}`);
  if (c.freezeWeightsAfterWarmup && c.warmupSteps < 1)
    throw new RangeError('config.freezeWeightsAfterWarmup: needs config.warmupSteps >= 1 (the weights are trained during the warm-up only)');
  if (!(Number.isFinite(c.checkpointMinutes) && c.checkpointMinutes > 0))
    throw new RangeError(`config.checkpointMinutes: expected a positive number, got ${String(c.checkpointMinutes)}`);
  if (!(c.validationFraction > 0 && c.validationFraction < 1))
    throw new RangeError(`config.validationFraction: expected a number in (0, 1), got ${String(c.validationFraction)}`);
  return c;
}
