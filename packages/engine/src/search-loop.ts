import * as tf from '@tensorflow/tfjs-core';
import {
  batchTensors,
  Rng,
  canCountParameters,
  formatArchitecture,
  taskFor,
  type Architecture,
  type Candidate,
  type RngState,
  type SearchSpace,
  type Supernet,
  type TaskSpec,
} from '@asng/core';
import { DataLoader, splitTrainValidation, subsetSplit } from '@asng/data';
import { createAsng } from '@asng/optimizer-asng';
import { encodeCheckpoint, type CheckpointContents } from './checkpoint-format.js';
import { fingerprintDataset } from './dataset-fingerprint.js';
import { secondsSince, yieldToEventLoop } from './event-loop.js';
import { logUpToStep, RUN_FILES, type RunStorage } from './run-storage.js';
import type { ResolvedSearchConfig } from './search-config.js';
import { currentEnvironment } from './run-environment.js';
import { checkResumable, restoreWeights, weightArrays, type SearchCheckpoint, type SearchCheckpointHeader } from './search-checkpoint.js';
import { NonFiniteLossError, type EpochEvent, type StepEvent } from './search-events.js';
import type { OptimizerFactory, SearchOptions, SearchResult } from './search-options.js';
import { createWeightOptimizer, scheduledLearningRate } from './weight-optimizer.js';

const defaultOptimizer: OptimizerFactory = (variables, rng) => createAsng({ variables, rng });

/**
 * The value told to the architecture optimizer for an architecture and its
 * validation loss: the loss itself, or with `penalty > 0` its logarithm plus
 * `penalty` times the logarithm of the parameter count (the order of
 * `loss * P ** penalty`, finite and without overflow).
 */
export function distributionObjective(space: SearchSpace, task: TaskSpec, penalty: number): (architecture: Architecture, loss: number) => number {
  if (penalty === 0) return (_architecture, loss) => loss;
  if (!canCountParameters(space)) {
    throw new Error(
      `config.parameterPenalty: search space '${space.name}' cannot count the parameters of its architectures (no countParameters), so it cannot take a parameter penalty`,
    );
  }
  return (architecture, loss) => {
    if (!(loss > 0))
      throw new RangeError(`config.parameterPenalty: needs positive validation losses, got ${loss} for architecture ${JSON.stringify(architecture)}`);
    return Math.log(loss) + penalty * Math.log(Math.max(1, space.countParameters(architecture, task)));
  };
}

/**
 * The search itself, started afresh (`saved` undefined: writes the run's
 * settings and an empty log) or from a checkpoint (restores every state and
 * keeps the log up to its step): the step loop of `runSearch`, with its
 * checkpoints, log entries, epoch evaluations and final records, all kept in
 * `storage`.
 */
export async function searchLoop(
  options: SearchOptions | Omit<SearchOptions, 'config'>,
  storage: RunStorage,
  base: Omit<ResolvedSearchConfig, 'steps'> & { steps?: number },
  saved: SearchCheckpoint | undefined,
): Promise<SearchResult> {
  await storage.open();
  // One process per run: a second one (a sweep worker taking over a job whose worker died) waits for this one to stop.
  const releaseLock = await storage.lock();
  try {
    return await lockedSearchLoop(options, storage, base, saved);
  } finally {
    await releaseLock();
  }
}

async function lockedSearchLoop(
  options: SearchOptions | Omit<SearchOptions, 'config'>,
  storage: RunStorage,
  base: Omit<ResolvedSearchConfig, 'steps'> & { steps?: number },
  saved: SearchCheckpoint | undefined,
): Promise<SearchResult> {
  const { space, dataset } = options;
  const checkpointPath = storage.pathOf(RUN_FILES.checkpoint);
  const appendLogEntry = (entry: unknown) => storage.append(RUN_FILES.log, `${JSON.stringify(entry)}\n`);
  // What writes killed before their rename left behind.
  if (saved) await storage.removeLeftovers();
  const info = dataset.info;
  const task: TaskSpec = taskFor(space, info);
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
  const source =
    usable < full.size
      ? subsetSplit(
          full,
          Int32Array.from({ length: usable }, (_, i) => i),
        )
      : full;
  const dataFingerprint = await fingerprintDataset(info, full, source);
  const environment = currentEnvironment(options.environment);
  if (saved) {
    checkResumable(checkpointPath, saved, {
      dataFingerprint,
      environment,
      acceptEnvironmentChange: options.acceptEnvironmentChange ?? false,
      onWarning: options.onWarning ?? ((message) => console.warn(message)),
    });
  }
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

  /** What the distribution ranks: the validation loss, times the parameter count to the penalty's power when there is one. */
  const objective = distributionObjective(space, task, config.parameterPenalty);
  const optimizer = (options.optimizer ?? defaultOptimizer)(space.variables, optimizerRng);
  const supernet = space.createSupernet(task, weightsRng);
  const weightOptimizer = createWeightOptimizer(config);
  let step = 0;
  let secondsBefore = 0;
  let lastMetrics: Readonly<Record<string, number>> = {};

  try {
    if (saved) {
      restoreWeights(checkpointPath, supernet.weights, weightOptimizer, saved.arrays);
      optimizer.setState(saved.header.optimizer);
      trainLoader.setState(saved.header.trainLoader);
      validationLoader.setState(saved.header.validationLoader);
      batchRng.setState(saved.header.batchRng);
      step = saved.header.step;
      secondsBefore = saved.header.seconds;
      lastMetrics = saved.header.lastMetrics;
      const log = await storage.read(RUN_FILES.log);
      if (log !== undefined) await storage.write(RUN_FILES.log, logUpToStep(new TextDecoder().decode(log), step));
    } else {
      await storage.write(RUN_FILES.config, json({ space: space.name, dataset: info.name, config, dataFingerprint, environment }));
      await storage.write(RUN_FILES.log, '');
    }

    const started = performance.now();
    const elapsed = () => secondsBefore + secondsSince(started);
    let lastCheckpoint = Date.now();
    const checkpoint = async () => {
      // weightArrays reads each tensor with dataSync, which the webgpu backend cannot do in Node: read them
      // asynchronously first, one at a time; a backend keeps what it downloaded, and dataSync returns that.
      for (const w of supernet.weights) await w.variable.data();
      for (const slot of weightOptimizer.slotTensors().values()) await slot.data();
      const contents: CheckpointContents<SearchCheckpointHeader> = {
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
          dataFingerprint,
          environment,
        },
        arrays: weightArrays(supernet.weights, weightOptimizer),
      };
      // One write of the whole checkpoint: all of it is kept, or none (the previous one stays).
      await storage.write(RUN_FILES.checkpoint, encodeCheckpoint(contents));
      lastCheckpoint = Date.now();
      options.onCheckpoint?.(checkpointPath, step);
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
        losses = [];
        // The space's selection loss where it has one (the loss the architectures are ranked by), else the training loss.
        const rankingLoss = supernet.selectionLoss?.bind(supernet) ?? supernet.loss.bind(supernet);
        for (const c of validationCandidates) losses.push(await scalarOf(() => rankingLoss(c.architecture, vBatch, { training: true })));
      } finally {
        tf.dispose(batchTensors(vBatch));
      }
      const bad = losses.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NonFiniteLossError(done + 1, 'validation', validationCandidates[bad]!.architecture, losses[bad]!);
      optimizer.tell(
        validationCandidates as Candidate[],
        losses.map((loss, i) => objective(validationCandidates[i]!.architecture, loss)),
      );
      return losses;
    };
    while (step < totalSteps) {
      // Data reads resolve as microtasks, so without this the loop would never
      // let the event loop run: no signal handler (Ctrl-C), timer or I/O callback.
      await yieldToEventLoop();
      if (options.signal?.aborted) break;
      const stepStart = performance.now();
      const epoch = Math.floor(step / stepsPerEpoch);
      // With frozen weights after the warm-up, the training batch is only scored (learning rate 0, no gradient).
      const frozen = config.freezeWeightsAfterWarmup === true && step >= config.warmupSteps;
      const learningRate = frozen ? 0 : scheduledLearningRate(config, step, totalSteps, stepsPerEpoch);

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
        for (const candidate of frozen ? [] : candidates) {
          const { value, grads: own } = tf.variableGrads(
            () => tf.div(supernet.loss(candidate.architecture, batch, { training: true }), candidates.length) as tf.Scalar,
            trainable,
          );
          let loss: number;
          try {
            loss = (await value.data())[0]! * candidates.length;
          } finally {
            value.dispose();
          }
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
        if (frozen) {
          for (const candidate of candidates) {
            const loss = await scalarOf(() => supernet.loss(candidate.architecture, batch, { training: true }));
            if (!Number.isFinite(loss)) throw new NonFiniteLossError(step + 1, 'train', candidate.architecture, loss);
            lossSum += loss;
          }
        }
        trainLoss = lossSum / candidates.length;
        gradientNorm = frozen ? 0 : await weightOptimizer.step(supernet.weights, grads, learningRate);
      } finally {
        tf.dispose(Object.values(grads));
        tf.dispose(batchTensors(batch));
      }

      // Distribution step on the validation losses of lambda fresh architectures (none while warming up).
      const validationLosses = step < config.warmupSteps ? [] : await distributionStep(step);
      step++;

      const stepSeconds = secondsSince(stepStart);
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
      await appendLogEntry(event);
      options.onStep?.(event);

      if (step % stepsPerEpoch === 0 || step === totalSteps) {
        const best = optimizer.best();
        lastMetrics = await evaluate(supernet, space, task, best, evaluationSplit, config, batchRng.getState());
        const epochEvent: EpochEvent = { type: 'epoch', epoch, step, best, metrics: lastMetrics, beliefs: optimizer.beliefs(), seconds: elapsed() };
        await appendLogEntry(epochEvent);
        options.onEpoch?.(epochEvent);
      }
      if (Date.now() - lastCheckpoint >= config.checkpointMinutes * 60_000) await checkpoint();
    }
    await checkpoint();
    const best = optimizer.best();
    const description = space.describe(best);
    const result: SearchResult = {
      status: step >= totalSteps ? 'completed' : 'stopped',
      steps: step,
      totalSteps,
      best,
      description,
      beliefs: optimizer.beliefs(),
      metrics: lastMetrics,
      seconds: elapsed(),
      runDir: storage.location,
    };
    if (result.status === 'completed') {
      await storage.write(RUN_FILES.result, json(result));
      await storage.write(RUN_FILES.architecture, `${formatArchitecture(space.variables, best)}\n\n${description.text}\n`);
      // A completed run keeps no temporary file of a write killed earlier (before a resume that did not remove it, or since).
      await storage.removeLeftovers();
    }
    return result;
  } catch (error) {
    if (error instanceof NonFiniteLossError) {
      await appendLogEntry({ type: 'error', step: error.step, phase: error.phase, loss: String(error.loss), architecture: error.architecture });
    }
    throw error;
  } finally {
    trainLoader.close();
    validationLoader.close();
    supernet.dispose();
    weightOptimizer.dispose();
  }
}

/** Indented JSON (two spaces, final newline), as `writeJsonAtomic` writes it. */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The value of a scalar computed in `tf.tidy` (read asynchronously, as every backend can), the scalar freed. */
async function scalarOf(f: () => tf.Scalar): Promise<number> {
  const t = tf.tidy(f);
  try {
    return (await t.data())[0]!;
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
      tf.dispose(batchTensors(batch));
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / count;
  return out;
}
