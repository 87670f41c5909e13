import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import {
  batchTensors,
  Rng,
  canBuildTrainingModel,
  taskFor,
  type Architecture,
  type Dataset,
  type NamedWeight,
  type SearchSpace,
  type SplitName,
  type TaskSpec,
  type TrainingModel,
} from '@asng/core';
import { DataLoader, subsetSplit } from '@asng/data';
import { evaluateModel, type BatchMetrics } from './evaluate.js';
import { secondsSince, yieldToEventLoop } from './event-loop.js';
import { checkTrainingConfig, type TrainingConfig } from './search-config.js';
import { createWeightOptimizer, scheduledLearningRate } from './weight-optimizer.js';

/**
 * Settings of {@link retrain}: the shared training settings (the paper
 * retrains with cutout: `augment: { cutout: { size: 16 } }`), and the
 * regularisers of DARTS/ENAS retraining, which need a space that has the
 * `TrainingModelBuilder` ability of `@asng/core`.
 */
export interface RetrainConfig extends TrainingConfig {
  /**
   * Weight of the auxiliary classifier's loss (DARTS uses 0.4); `0` builds no
   * auxiliary head. Training only: the returned model has the main output alone.
   * @default 0
   */
  readonly auxiliaryWeight?: number;
  /**
   * Final drop-path probability: each path of a cell is dropped per example
   * with a probability that grows linearly from 0 at the first step to this
   * value at the last, and scaled by `1 / (1 - p)` when kept; training only.
   * @default 0
   */
  readonly dropPath?: number;
  /** Test on at most the first this many examples of the test split (of the held-out ones with `holdOut`): quick runs. @default all */
  readonly maxTestExamples?: number;
  /**
   * Hold out the last this many examples of the training split: the network
   * trains on the examples before them (the first `maxExamples` of those)
   * and is tested on them instead of the test split (`split` of the result
   * is then `'train'`). For choosing between architectures (a selection
   * after a search) without looking at the test split. @default 0 (test on the test split)
   */
  readonly holdOut?: number;
}

/**
 * Copies the weights of `from` into the layers of the same names of `to`
 * (every weighted layer of `to` must have its twin in `from`).
 */
export function copyWeightsByLayerName(from: LayersModel, to: LayersModel): void {
  for (const layer of to.layers) {
    if (layer.weights.length === 0) continue;
    let twin: ReturnType<LayersModel['getLayer']>;
    try {
      twin = from.getLayer(layer.name);
    } catch {
      throw new Error(`copyWeightsByLayerName: no layer '${layer.name}' in model '${from.name}'`);
    }
    layer.setWeights(twin.getWeights());
  }
}

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
  /** The test metrics. @default those of {@link evaluateModel} for the space's kind */
  readonly metrics?: BatchMetrics;
  readonly onEpoch?: (event: RetrainEpochEvent) => void;
  /** Stops after the current batch; the model trained so far is evaluated and returned. */
  readonly signal?: AbortSignal;
}

/** The outcome of {@link retrain}. The caller owns (and disposes) the model. */
export interface RetrainResult {
  readonly model: LayersModel;
  /** Trainable and non-trainable parameters of the model (without the auxiliary head). */
  readonly parameters: number;
  /** Trainable parameters of the model (without the auxiliary head). */
  readonly trainableParameters: number;
  readonly epochs: number;
  /** The split tested: `'test'`, or `'train'` if the dataset has no test split or with `config.holdOut` (its held-out tail). */
  readonly split: SplitName;
  /** Metrics on that split, per example. */
  readonly test: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/**
 * Trains `architecture` from scratch as the standalone model of
 * `space.buildModel`, with the configured weight optimizer (SGD with
 * momentum by default, or Adam; weight decay, clipping) and learning-rate
 * schedule (cosine by default, step decay, constant), optionally with an
 * auxiliary head and drop-path (spaces that have the `TrainingModelBuilder`
 * ability of `@asng/core`), then evaluates it on the test split with
 * {@link evaluateModel}: accuracy and cross-entropy for a classifying space
 * (the model's outputs are logits), mean squared error and PSNR for an
 * image-to-image one, or `metrics`. The returned model is `buildModel`'s,
 * with the trained weights.
 */
export async function retrain(options: RetrainOptions): Promise<RetrainResult> {
  const { space, dataset, architecture } = options;
  const c = options.config ?? {};
  checkTrainingConfig(c);
  const epochs = c.epochs ?? 1;
  const batchSize = c.batchSize ?? 64;
  const auxiliaryWeight = c.auxiliaryWeight ?? 0;
  const dropPath = c.dropPath ?? 0;
  if (!(auxiliaryWeight >= 0 && Number.isFinite(auxiliaryWeight)))
    throw new RangeError(`config.auxiliaryWeight: expected a number >= 0, got ${String(auxiliaryWeight)}`);
  if (!(dropPath >= 0 && dropPath < 1)) throw new RangeError(`config.dropPath: expected a probability in [0, 1), got ${String(dropPath)}`);
  const extras = auxiliaryWeight > 0 || dropPath > 0;
  const builder = canBuildTrainingModel(space) ? space : undefined;
  if (extras && builder === undefined) {
    throw new Error(
      `config.${auxiliaryWeight > 0 ? 'auxiliaryWeight' : 'dropPath'}: search space '${space.name}' has no buildTrainingModel (auxiliary head and drop-path)`,
    );
  }
  const classify = space.kind !== 'image-to-image';
  const info = dataset.info;
  if (classify && info.classes < 1) throw new Error(`dataset '${info.name}' has no labels, but search space '${space.name}' classifies`);
  const task: TaskSpec = taskFor(space, info);
  const master = new Rng(c.seed ?? 0);
  const weightsRng = master.fork();
  const dataRng = master.fork();
  const batchRng = master.fork();
  const dropPathRng = master.fork();

  const full = dataset.split('train');
  const holdOut = c.holdOut ?? 0;
  if (!(Number.isInteger(holdOut) && holdOut >= 0 && holdOut < full.size))
    throw new RangeError(`config.holdOut: expected a whole number of examples >= 0 and below the training split's ${full.size}, got ${String(c.holdOut)}`);
  const trainable = full.size - holdOut;
  const usable = c.maxExamples !== undefined ? Math.min(c.maxExamples, trainable) : trainable;
  const train =
    usable < full.size
      ? subsetSplit(
          full,
          Int32Array.from({ length: usable }, (_, i) => i),
        )
      : full;
  const labels = classify ? 'int' : 'none';
  const loader = new DataLoader(train, info.shape, {
    batchSize,
    rng: dataRng,
    labels,
    dropRemainder: train.size >= batchSize,
    ...(c.augment ? { augment: c.augment } : {}),
    ...(c.normalize ? { normalize: c.normalize } : {}),
  });
  let training: TrainingModel;
  try {
    training = builder
      ? builder.buildTrainingModel(architecture, task, weightsRng, { auxiliaryHead: auxiliaryWeight > 0, dropPath: dropPath > 0, rng: dropPathRng })
      : { model: space.buildModel(architecture, task, weightsRng), setDropPathProbability: () => undefined };
    if (auxiliaryWeight > 0 && training.model.outputs.length !== 2) {
      training.model.dispose();
      throw new Error(
        `search space '${space.name}': buildTrainingModel gave ${training.model.outputs.length} output(s); expected the main and the auxiliary one`,
      );
    }
  } catch (error) {
    loader.close();
    throw error;
  }
  const model = training.model;
  const weights: NamedWeight[] = model.trainableWeights.map((w) => ({ name: w.name, variable: w.read() as tf.Variable, trainable: true }));
  const variables = weights.map((w) => w.variable);
  const weightOptimizer = createWeightOptimizer(c);
  const lossOf = (outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar =>
    classify
      ? (tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(outputs as tf.Tensor2D)), 1))) as tf.Scalar)
      : (tf.mean(tf.squaredDifference(outputs, targets)) as tf.Scalar);
  const trainingLoss = (inputs: tf.Tensor4D, targets: tf.Tensor): tf.Scalar => {
    const outputs = model.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[];
    if (!Array.isArray(outputs)) return lossOf(outputs, targets);
    const main = lossOf(outputs[0]!, targets);
    return auxiliaryWeight > 0 ? tf.add(main, tf.mul(lossOf(outputs[1]!, targets), auxiliaryWeight)) : main;
  };
  const totalSteps = epochs * loader.batchesPerEpoch;
  const started = performance.now();
  const seconds = () => secondsSince(started);
  let step = 0;
  let epoch = 0;
  try {
    for (; epoch < epochs && !options.signal?.aborted; epoch++) {
      let lossSum = 0;
      let batches = 0;
      let learningRate = c.learningRate ?? 0.025;
      for (let b = 0; b < loader.batchesPerEpoch && !options.signal?.aborted; b++) {
        await yieldToEventLoop();
        learningRate = scheduledLearningRate(c, step, totalSteps, loader.batchesPerEpoch);
        if (dropPath > 0) training.setDropPathProbability((dropPath * step) / Math.max(1, totalSteps - 1));
        const raw = await loader.next();
        const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, batchRng);
        raw.dispose();
        try {
          const { value, grads } = tf.variableGrads(() => trainingLoss(batch.inputs, batch.targets), variables);
          try {
            const loss = (await value.data())[0]!;
            if (!Number.isFinite(loss)) throw new Error(`retrain: the training loss is ${loss} at epoch ${epoch}, batch ${b}; stopped before applying it`);
            lossSum += loss;
            batches++;
            await weightOptimizer.step(weights, grads, learningRate);
          } finally {
            tf.dispose([value, ...Object.values(grads)]);
          }
        } finally {
          tf.dispose(batchTensors(batch));
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

  // The model returned and tested is buildModel's: standard layers only, the main output alone.
  let final = model;
  if (builder) {
    try {
      final = space.buildModel(architecture, task, new Rng(0));
      copyWeightsByLayerName(model, final);
    } finally {
      model.dispose();
    }
  }
  try {
    const evaluation = await evaluateModel({
      space,
      dataset,
      model: final,
      batchSize,
      ...(c.normalize ? { normalize: c.normalize } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(c.maxTestExamples !== undefined ? { maxExamples: c.maxTestExamples } : {}),
      ...(holdOut > 0 ? { split: 'train' as const, firstExample: trainable } : {}),
    });
    const trainableParameters = final.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    return {
      model: final,
      parameters: final.countParams(),
      trainableParameters,
      epochs: epoch,
      split: evaluation.split,
      test: evaluation.metrics,
      seconds: seconds(),
    };
  } catch (error) {
    final.dispose();
    throw error;
  }
}
