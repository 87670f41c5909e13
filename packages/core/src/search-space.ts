import type { Scalar, Tensor, Tensor1D, Tensor4D, Variable as TensorVariable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Architecture, RandomSource, Variable } from '@asng/core/base';
import type { ImageShape } from './dataset.js';
import type { CorruptionNamer, ParameterCounter, TrainingModelBuilder } from './space-abilities.js';

/** The learning problem a search space is instantiated for, read off the dataset. */
export interface TaskSpec {
  /** Shape of the input images. */
  readonly inputShape: ImageShape;
  /** Number of classes (classification); `0` for image-to-image tasks. */
  readonly classes: number;
}

/**
 * A training or evaluation batch as tensors. The engine disposes all of its
 * tensors after use ({@link batchTensors}).
 */
export interface Batch {
  /** Network input, NHWC float32. */
  readonly inputs: Tensor4D;
  /** What the output is compared with: one-hot labels, or the clean images. */
  readonly targets: Tensor;
  /**
   * Optional per-element weights of the supernet's loss, broadcastable to the
   * output (for example `[n, h, w, 1]` for an image-to-image space that
   * weights the pixels a corruption dropped). Only the space that made the
   * batch reads it; absent: every element counts alike.
   */
  readonly lossWeights?: Tensor;
}

/** Every tensor `batch` owns (`inputs`, `targets`, and `lossWeights` when present), for disposing it. */
export function batchTensors(batch: Batch): Tensor[] {
  return batch.lossWeights === undefined ? [batch.inputs, batch.targets] : [batch.inputs, batch.targets, batch.lossWeights];
}

/** One named weight of a supernet; the name is stable across runs, for checkpoints. */
export interface NamedWeight {
  /** Stable, unique name, for example `'cell3/node1/sep3x3/dw1'`. */
  readonly name: string;
  /** The tensor variable. */
  readonly variable: TensorVariable;
  /** `false` for state updated outside gradient descent (batch-norm moving statistics). */
  readonly trainable: boolean;
}

/** Options passed when running a supernet. */
export interface ForwardOptions {
  /** Training mode: batch statistics in batch norm, dropout and drop-path active. */
  readonly training: boolean;
}

/**
 * The one-shot network of a search space: it holds the weights of every
 * choice, and for a sampled architecture computes only the chosen path.
 * Methods that return tensors may be called inside `tf.tidy`/`tf.variableGrads`.
 */
export interface Supernet {
  /** Every weight, trainable or not, with stable names. */
  readonly weights: readonly NamedWeight[];
  /** The network output for `architecture` (logits, or the restored image). */
  apply(architecture: Architecture, inputs: Tensor4D, options: ForwardOptions): Tensor;
  /** The scalar training loss of `architecture` on `batch` (cross-entropy, MSE, ...). */
  loss(architecture: Architecture, batch: Batch, options: ForwardOptions): Scalar;
  /**
   * Optional: the scalar loss the search's distribution step ranks
   * architectures by, where it differs from the weights' training loss (for
   * example a loss weighted towards the pixels an inpainting mask dropped).
   * Absent: {@link Supernet.loss} for both steps, as in the paper.
   */
  selectionLoss?(architecture: Architecture, batch: Batch, options: ForwardOptions): Scalar;
  /**
   * Evaluation metrics of `architecture` on `batch` as per-example sums
   * (`{correct: 41, loss: 12.3}` or `{psnr: ..., ssim: ...}`), so that batches
   * of different sizes aggregate exactly; the engine divides by the count.
   */
  evaluate(architecture: Architecture, batch: Batch): Promise<Readonly<Record<string, number>>>;
  /** Frees every weight. */
  dispose(): void;
}

/** How a search space's metrics are read. */
export interface MetricSpec {
  /** Name of the metric in {@link Supernet.evaluate}'s record, for example `'accuracy'`. */
  readonly name: string;
  /** Whether higher is better. */
  readonly higherIsBetter: boolean;
}

/** A human-readable account of an architecture, for the CLI and the HTML report. */
export interface ArchitectureDescription {
  /** Plain text, several lines. */
  readonly text: string;
  /** Optional self-contained SVG diagrams (cells, chains), by title. */
  readonly diagrams?: Readonly<Record<string, string>>;
}

/**
 * A search space: named variables, a supernet over them, and a way to build
 * any single architecture as a standalone model. Spaces are created by
 * factories (`createXSpace(options)`) and passed to the engine explicitly;
 * run `describeSearchSpace` from `@asng/testing` on your own.
 *
 * A space may also have optional abilities, each an interface of its own
 * that says who uses it and when: {@link TrainingModelBuilder} (retraining
 * with an auxiliary head and drop-path), {@link ParameterCounter} (parameter
 * budgets without building models) and {@link CorruptionNamer} (labels of
 * restoration samples). Declare them on your space's type
 * (`interface MySpace extends SearchSpace, ParameterCounter {}`); callers
 * test for them with `canBuildTrainingModel`, `canCountParameters` and
 * `namesCorruption`.
 */
export interface SearchSpace {
  /** Identifier, for example `'image-classification'`. */
  readonly name: string;
  /** The variables, in a fixed order. */
  readonly variables: readonly Variable[];
  /** The metric that ranks architectures on held-out data. */
  readonly metric: MetricSpec;
  /**
   * What the networks do: `'classification'` (labels are the targets) or
   * `'image-to-image'` (the images themselves are, as in inpainting; labels of
   * a labelled dataset are ignored and the task has `classes: 0`).
   * @default 'classification'
   */
  readonly kind?: 'classification' | 'image-to-image';
  /**
   * Turns a batch of images in `[0, 1]` (and labels, if any) into the network
   * input and target: one-hot labels for classification, a corrupted input and
   * the clean target for inpainting. Must be deterministic given `rng`. Returns
   * new tensors that the caller disposes; `images` and `labels` stay the
   * caller's.
   */
  toBatch(images: Tensor4D, labels: Tensor1D | null, task: TaskSpec, rng: RandomSource): Batch;
  /** Creates a supernet for `task`, its weights initialised from `rng`. */
  createSupernet(task: TaskSpec, rng: RandomSource): Supernet;
  /** Builds `architecture` alone as a standard `tf.LayersModel`, for retraining and export. */
  buildModel(architecture: Architecture, task: TaskSpec, rng: RandomSource): LayersModel;
  /** Describes `architecture` for people. */
  describe(architecture: Architecture): ArchitectureDescription;
}
