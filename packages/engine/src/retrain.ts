import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Rng, type Architecture, type Dataset, type NamedWeight, type SearchSpace, type TaskSpec } from '@asng/core';
import { DataLoader, subsetSplit } from '@asng/data';
import type { TrainingConfig } from './search.js';
import { checkOptimizerSettings, createWeightOptimizer, scheduledLearningRate } from './weight-optimizer.js';

/** Settings of {@link retrain}: the shared training settings (the paper retrains with cutout: `augment: { cutout: { size: 16 } }`). */
export type RetrainConfig = TrainingConfig;

/** Reported after each epoch of {@link retrain}. */
export interface RetrainEpochEvent {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss of the epoch. */
  readonly trainLoss: number;
  readonly learningRate: number;
  readonly seconds: number;
}

/** What {@link retrain} needs. */
export interface RetrainOptions {
  readonly space: SearchSpace;
  readonly dataset: Dataset;
  /** The architecture to train from scratch, usually a search's most likely one. */
  readonly architecture: Architecture;
  readonly config?: RetrainConfig;
  readonly onEpoch?: (event: RetrainEpochEvent) => void;
  /** Stops after the current batch; the model trained so far is evaluated and returned. */
  readonly signal?: AbortSignal;
}

/** The outcome of {@link retrain}. The caller owns (and disposes) the model. */
export interface RetrainResult {
  readonly model: LayersModel;
  /** Trainable and non-trainable parameters of the model. */
  readonly parameters: number;
  readonly epochs: number;
  /** Metrics on the test split (or the training split if the dataset has none), per example. */
  readonly test: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/**
 * Trains `architecture` from scratch as the standalone model of
 * `space.buildModel`, with the configured weight optimizer (SGD with
 * momentum by default, or Adam; weight decay, clipping) and learning-rate
 * schedule (cosine by default, step decay, constant), then evaluates it on the test split: accuracy and cross-entropy
 * for a classifying space (the model's outputs are logits), mean squared error
 * and PSNR for an image-to-image one.
 */
export async function retrain(options: RetrainOptions): Promise<RetrainResult> {
  const { space, dataset, architecture } = options;
  const c = options.config ?? {};
  const epochs = c.epochs ?? 1;
  const batchSize = c.batchSize ?? 64;
  const lr0 = c.learningRate ?? 0.025;
  const lrMin = c.minLearningRate ?? 0;
  for (const [name, value] of [['epochs', epochs], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`config.${name}: expected an integer >= 1, got ${String(value)}`);
  }
  if (!(lr0 > 0) || !(lrMin >= 0 && lrMin <= lr0)) throw new RangeError(`config.learningRate / minLearningRate: expected 0 <= min <= initial and initial > 0, got ${lr0} and ${lrMin}`);
  checkOptimizerSettings(c);
  const classify = space.kind !== 'image-to-image';
  const info = dataset.info;
  if (classify && info.classes < 1) throw new Error(`dataset '${info.name}' has no labels, but search space '${space.name}' classifies`);
  const task: TaskSpec = { inputShape: info.shape, classes: classify ? info.classes : 0 };
  const master = new Rng(c.seed ?? 0);
  const weightsRng = master.fork();
  const dataRng = master.fork();
  const batchRng = master.fork();

  const full = dataset.split('train');
  const usable = c.maxExamples !== undefined ? Math.min(c.maxExamples, full.size) : full.size;
  const train = usable < full.size ? subsetSplit(full, Int32Array.from({ length: usable }, (_, i) => i)) : full;
  const labels = classify ? 'int' : 'none';
  const loader = new DataLoader(train, info.shape, {
    batchSize,
    rng: dataRng,
    labels,
    dropRemainder: train.size >= batchSize,
    ...(c.augment ? { augment: c.augment } : {}),
    ...(c.normalize ? { normalize: c.normalize } : {}),
  });
  const model = space.buildModel(architecture, task, weightsRng);
  const weights: NamedWeight[] = model.trainableWeights.map((w) => ({ name: w.name, variable: w.read() as tf.Variable, trainable: true }));
  const variables = weights.map((w) => w.variable);
  const weightOptimizer = createWeightOptimizer(c);
  const lossOf = (outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar =>
    classify
      ? (tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(outputs as tf.Tensor2D)), 1))) as tf.Scalar)
      : (tf.mean(tf.squaredDifference(outputs, targets)) as tf.Scalar);
  const totalSteps = epochs * loader.batchesPerEpoch;
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  let step = 0;
  let epoch = 0;
  try {
    for (; epoch < epochs && !options.signal?.aborted; epoch++) {
      let lossSum = 0;
      let batches = 0;
      let learningRate = lr0;
      for (let b = 0; b < loader.batchesPerEpoch && !options.signal?.aborted; b++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        learningRate = scheduledLearningRate(c, step, totalSteps, loader.batchesPerEpoch);
        const raw = await loader.next();
        const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, batchRng);
        raw.dispose();
        try {
          const { value, grads } = tf.variableGrads(() => lossOf(model.apply(batch.inputs, { training: true }) as tf.Tensor, batch.targets), variables);
          try {
            const loss = (value.dataSync() as Float32Array)[0]!;
            if (!Number.isFinite(loss)) throw new Error(`retrain: the training loss is ${loss} at epoch ${epoch}, batch ${b}; stopped before applying it`);
            lossSum += loss;
            batches++;
            weightOptimizer.step(weights, grads, learningRate);
          } finally {
            tf.dispose([value, ...Object.values(grads)]);
          }
        } finally {
          tf.dispose([batch.inputs, batch.targets]);
        }
        step++;
      }
      options.onEpoch?.({ epoch, epochs, trainLoss: batches > 0 ? lossSum / batches : Number.NaN, learningRate, seconds: seconds() });
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    loader.close();
    weightOptimizer.dispose();
  }

  // Evaluation, in a fixed order, without augmentation.
  const splitName = info.splits.test !== undefined && info.splits.test > 0 ? 'test' : 'train';
  const evaluation = new DataLoader(dataset.split(splitName), info.shape, {
    batchSize,
    rng: new Rng(0),
    shuffle: false,
    labels,
    prefetch: 1,
    ...(c.normalize ? { normalize: c.normalize } : {}),
  });
  const evalRng = Rng.fromState(batchRng.getState());
  const sums: Record<string, number> = {};
  let count = 0;
  for await (const raw of evaluation.epoch()) {
    const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, evalRng);
    raw.dispose();
    const values = tf.tidy(() => {
      const outputs = model.apply(batch.inputs, { training: false }) as tf.Tensor;
      if (classify) {
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), tf.argMax(batch.targets, 1)), 'float32'));
        const ce = tf.sum(tf.neg(tf.sum(tf.mul(batch.targets, tf.logSoftmax(outputs as tf.Tensor2D)), 1)));
        return tf.stack([correct, ce]);
      }
      // Per image: the MSE of the clipped output, and its PSNR (data range 1).
      const perImage = tf.mean(tf.squaredDifference(tf.clipByValue(outputs, 0, 1), batch.targets), [1, 2, 3]);
      const psnr = tf.mul(tf.div(tf.log(tf.div(1, tf.maximum(perImage, 1e-10))), Math.log(10)), 10);
      return tf.stack([tf.sum(perImage), tf.sum(psnr)]);
    });
    const [a, b] = Array.from(await values.data());
    tf.dispose([values, batch.inputs, batch.targets]);
    const keys = classify ? ['accuracy', 'loss'] : ['mse', 'psnr'];
    sums[keys[0]!] = (sums[keys[0]!] ?? 0) + a!;
    sums[keys[1]!] = (sums[keys[1]!] ?? 0) + b!;
    count += raw.count;
  }
  const test: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) test[k] = v / count;
  return { model, parameters: model.countParams(), epochs: epoch, test, seconds: seconds() };
}
