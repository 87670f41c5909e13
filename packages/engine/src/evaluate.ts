import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, Rng, taskFor, type Dataset, type SearchSpace, type SplitName, type TaskSpec } from '@asng/core';
import { DataLoader, subsetSplit, type Normalization } from '@asng/data';

/**
 * Scores one evaluation batch: per-example sums (so that batches of any size
 * aggregate exactly), for example `{ mse, psnr, ssim }`. The tensors stay the
 * caller's.
 */
export type BatchMetrics = (outputs: tf.Tensor, targets: tf.Tensor) => Promise<Readonly<Record<string, number>>>;

/** The model evaluated by {@link evaluateModel}: a `tf.LayersModel` (one output) or anything with its `predict`. */
export interface PredictingModel {
  predict(inputs: tf.Tensor4D): tf.Tensor | tf.Tensor[];
}

/** What {@link evaluateModel} needs. */
export interface EvaluateModelOptions {
  /** The space the model was built from: its `toBatch` makes the inputs and targets, its `kind` the default metrics. */
  readonly space: SearchSpace;
  readonly dataset: Dataset;
  readonly model: PredictingModel;
  /** @default 'test' when the dataset has a non-empty test split, else 'train' */
  readonly split?: SplitName;
  /** @default 64 */
  readonly batchSize?: number;
  /** Evaluate only the first this many examples of the split (from `firstExample`). @default all */
  readonly maxExamples?: number;
  /**
   * Index of the first example of the split evaluated: a held-out tail of
   * the training split (see `RetrainConfig.holdOut`). @default 0
   */
  readonly firstExample?: number;
  /** The normalisation the model was trained with. @default none */
  readonly normalize?: Normalization;
  /** Seed of `toBatch`'s random choices (the corruption of an image-to-image space), so that every evaluation sees the same inputs. @default 0 */
  readonly seed?: number;
  /**
   * The metrics. @default for a classifying space `accuracy` and `loss`
   * (cross-entropy of the logits); for an image-to-image one `mse` (of the raw
   * output, the training loss) and `psnr` (dB, output clipped to [0, 1], data range 1)
   */
  readonly metrics?: BatchMetrics;
}

/** The outcome of {@link evaluateModel}. */
export interface Evaluation {
  readonly split: SplitName;
  /** Examples evaluated. */
  readonly examples: number;
  /** Mean per example of each metric. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** The default metrics of a space's kind, as per-example sums. */
export function defaultMetrics(space: SearchSpace): BatchMetrics {
  const classify = space.kind !== 'image-to-image';
  return async (outputs, targets): Promise<Record<string, number>> => {
    const values = tf.tidy(() => {
      if (classify) {
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), tf.argMax(targets, 1)), 'float32'));
        const ce = tf.sum(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(outputs as tf.Tensor2D)), 1)));
        return tf.stack([correct, ce]);
      }
      const axes = outputs.shape.map((_, i) => i).slice(1);
      const mse = tf.mean(tf.squaredDifference(outputs, targets), axes);
      const clipped = tf.mean(tf.squaredDifference(tf.clipByValue(outputs, 0, 1), targets), axes);
      const psnr = tf.mul(tf.div(tf.log(tf.div(1, tf.maximum(clipped, 1e-10))), Math.log(10)), 10);
      return tf.stack([tf.sum(mse), tf.sum(psnr)]);
    });
    const [a, b] = Array.from(await values.data());
    values.dispose();
    return classify ? { accuracy: a!, loss: b! } : { mse: a!, psnr: b! };
  };
}

/**
 * Evaluates a model on a split of a dataset, in a fixed order and without
 * augmentation: the batches go through `space.toBatch` (with an RNG of a
 * fixed seed), the model's first output is scored by `metrics`, and the sums
 * are divided by the number of examples. Leaves no tensor behind.
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<Evaluation> {
  const { space, dataset, model } = options;
  const info = dataset.info;
  const splitName: SplitName = options.split ?? (info.splits.test !== undefined && info.splits.test > 0 ? 'test' : 'train');
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evaluateModel: batchSize: expected an integer >= 1, got ${String(batchSize)}`);
  const classify = space.kind !== 'image-to-image';
  if (classify && info.classes < 1) throw new Error(`dataset '${info.name}' has no labels, but search space '${space.name}' classifies`);
  const task: TaskSpec = taskFor(space, info);
  const full = dataset.split(splitName);
  const first = options.firstExample ?? 0;
  if (!(Number.isInteger(first) && first >= 0))
    throw new RangeError(`evaluateModel: firstExample: expected a whole number >= 0, got ${String(options.firstExample)}`);
  const available = Math.max(0, full.size - first);
  const size = options.maxExamples !== undefined ? Math.min(options.maxExamples, available) : available;
  if (!(size >= 1))
    throw new RangeError(
      `evaluateModel: nothing to evaluate in split '${splitName}' of '${info.name}' (${full.size} examples, firstExample ${first}, maxExamples ${String(options.maxExamples)})`,
    );
  const split =
    size < full.size
      ? subsetSplit(
          full,
          Int32Array.from({ length: size }, (_, i) => first + i),
        )
      : full;
  const loader = new DataLoader(split, info.shape, {
    batchSize,
    rng: new Rng(0),
    shuffle: false,
    labels: classify ? 'int' : 'none',
    prefetch: 1,
    ...(options.normalize ? { normalize: options.normalize } : {}),
  });
  const metrics = options.metrics ?? defaultMetrics(space);
  const rng = new Rng(options.seed ?? 0);
  const sums: Record<string, number> = {};
  let count = 0;
  try {
    for await (const raw of loader.epoch()) {
      const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, rng);
      raw.dispose();
      let outputs: tf.Tensor | tf.Tensor[] | undefined;
      try {
        outputs = model.predict(batch.inputs);
        const main = Array.isArray(outputs) ? outputs[0]! : outputs;
        for (const [k, v] of Object.entries(await metrics(main, batch.targets))) sums[k] = (sums[k] ?? 0) + v;
      } finally {
        tf.dispose([...batchTensors(batch), ...(outputs === undefined ? [] : Array.isArray(outputs) ? outputs : [outputs])]);
      }
      count += raw.count;
    }
  } finally {
    loader.close();
  }
  const means: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) means[k] = v / count;
  return { split: splitName, examples: count, metrics: means };
}
