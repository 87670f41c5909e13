import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Architecture, RandomSource } from '@asng/core/base';
import type { SearchSpace, TaskSpec } from './search-space.js';

/*
 * The optional abilities of a search space. A space is a SearchSpace and, if
 * it can, any of the interfaces below; the engine and the CLI find them with
 * the guards of this file (never with casts), and fall back to what
 * SearchSpace alone allows when a space lacks one.
 */

/** What a {@link TrainingModelBuilder} is asked for. */
export interface TrainingModelOptions {
  /** Add an auxiliary classifier as the model's second output. */
  readonly auxiliaryHead: boolean;
  /** Put drop-path on the cells' paths. */
  readonly dropPath: boolean;
  /** The source of the drop-path masks. */
  readonly rng: RandomSource;
}

/** A model for training, with the regularisers that only training uses. */
export interface TrainingModel {
  /**
   * Outputs: the main output (as `buildModel`'s model, with the same layer
   * names), then the auxiliary output when one was asked for.
   */
  readonly model: LayersModel;
  /** Sets the drop-path probability of the training-mode passes that follow. */
  setDropPathProbability(probability: number): void;
}

/**
 * Optional ability: building an architecture for training, with an auxiliary
 * head and drop-path when asked, and with layers that train faster than
 * `buildModel`'s if the space has such.
 *
 * Who calls it, and when: the engine's `retrain` calls `buildTrainingModel`
 * once, before the first step, whenever the space has it (check with
 * {@link canBuildTrainingModel}); it trains that model, then copies its
 * weights into `buildModel`'s model by layer name, which it tests and
 * returns. Without this ability `retrain` trains `buildModel`'s model and
 * refuses the `auxiliaryWeight` and `dropPath` settings.
 */
export interface TrainingModelBuilder {
  /** Builds `architecture` for training; its weights are initialised from `rng` as `buildModel`'s. */
  buildTrainingModel(architecture: Architecture, task: TaskSpec, rng: RandomSource, options: TrainingModelOptions): TrainingModel;
}

/**
 * Optional ability: counting the trainable parameters of `buildModel`'s
 * model without building it (no weight allocated).
 *
 * Who calls it, and when: the engine's `trainableParameterCount`, and through
 * it the parameter budgets of the CLI and the examples (`largestWidthWithin`
 * counts a dozen or so widths before retraining). Check with
 * {@link canCountParameters}. Without this ability the model is built with a
 * fixed seed, counted and disposed, which is exact but allocates every weight.
 */
export interface ParameterCounter {
  /** The trainable parameters of `buildModel(architecture, task, rng)`'s model, whatever `rng`. */
  countParameters(architecture: Architecture, task: TaskSpec): number;
}

/**
 * Optional ability of an image-to-image space: the name of the corruption its
 * `toBatch` applies to the inputs (for inpainting, the mask: `'center'`).
 *
 * Who reads it, and when: the CLI, when it writes the sample restorations of
 * a run (after a search, a retraining or a baseline), labels each set with it
 * so that the report groups the restorations of one corruption together.
 * Check with {@link namesCorruption}. Without this ability the sets are
 * labelled `'corruption'`.
 */
export interface CorruptionNamer {
  /** Name of the corruption `toBatch` applies, for example `'center'` or `'random-half'`. */
  readonly corruption: string;
}

/**
 * Optional ability: the space's own metrics of network outputs against
 * targets, for example PSNR and SSIM of restored images, as per-example sums
 * (so that batches of any size aggregate exactly: callers divide by the
 * number of examples).
 *
 * Who calls it, and when: the CLI's `asng retrain` and `asng evaluate` pass
 * it as the metrics of the engine's `retrain` and `evaluateModel`, which call
 * it once per test batch with the model's outputs and the batch's targets.
 * A space's supernet may use the same function in `Supernet.evaluate`, so that
 * the search, the retraining and the evaluation report the same numbers.
 * Check with {@link scoresOutputs}. Without this ability the engine's default
 * metrics apply (accuracy and cross-entropy for classification, the mean
 * squared error otherwise).
 */
export interface OutputScorer {
  /**
   * Per-example sums of each metric (`{mse: 0.4, psnr: 81.2, ssim: 3.1}` for
   * four images). `outputs` and `targets` hold `shape[0]` examples of
   * `shape.slice(1)`, one after the other (NHWC for images).
   */
  scoreOutputs(outputs: ArrayLike<number>, targets: ArrayLike<number>, shape: readonly number[]): Readonly<Record<string, number>>;
}

/** Whether `space` has the {@link TrainingModelBuilder} ability. */
export function canBuildTrainingModel<S extends SearchSpace>(space: S): space is S & TrainingModelBuilder {
  return typeof (space as Partial<TrainingModelBuilder>).buildTrainingModel === 'function';
}

/** Whether `space` has the {@link ParameterCounter} ability. */
export function canCountParameters<S extends SearchSpace>(space: S): space is S & ParameterCounter {
  return typeof (space as Partial<ParameterCounter>).countParameters === 'function';
}

/** Whether `space` has the {@link CorruptionNamer} ability. */
export function namesCorruption<S extends SearchSpace>(space: S): space is S & CorruptionNamer {
  return typeof (space as Partial<CorruptionNamer>).corruption === 'string';
}

/** Whether `space` has the {@link OutputScorer} ability. */
export function scoresOutputs<S extends SearchSpace>(space: S): space is S & OutputScorer {
  return typeof (space as Partial<OutputScorer>).scoreOutputs === 'function';
}
