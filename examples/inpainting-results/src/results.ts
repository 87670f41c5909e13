import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, taskFor, type Dataset } from '@asng/core';
import { afterSearch, readRestorations, restorationSet, writeModelRestorations, writeRestorationSet, type RestorationSet } from '@asng/cli';
import { retrain, runSearch, type RetrainConfig, type SearchConfig } from '@asng/engine';
import {
  corruptImages,
  createInpaintingSpace,
  evaluateRestoration,
  matchedAutoencoder,
  meanFill,
  type InpaintingEncoding,
  type MaskName,
  type Restorer,
} from '@asng/space-inpainting';

/** Everything that sets the budget and the configuration of {@link maskResults}. */
export interface ResultsSettings {
  readonly masks: readonly MaskName[];
  readonly encoding: InpaintingEncoding;
  readonly nodes: number;
  readonly levelBack: number;
  readonly channels: readonly number[];
  readonly seed: number;
  readonly batchSize: number;
  /** Training examples used by the search and every retraining (all when undefined). */
  readonly maxExamples?: number;
  /** Test images scored per method (all when undefined). */
  readonly testImages?: number;
  readonly searchEpochs: number;
  /** Overrides `searchEpochs` when given. */
  readonly searchSteps?: number;
  readonly searchOptimizer: 'sgd' | 'adam';
  readonly searchLearningRate: number;
  /** Epochs of each retraining: the searched architecture and the hand-written autoencoder get the same. */
  readonly retrainEpochs: number;
  /** Adam's initial learning rate, decayed in steps. */
  readonly retrainLearningRate: number;
  /** Epochs at which the step schedule decays (default: half and three quarters of the budget). */
  readonly decayEpochs?: readonly number[];
  readonly decayFactor: number;
  readonly weightDecay: number;
}

/** The scores of one method under one mask. */
export interface MethodResult {
  /** Mean PSNR (dB) over the test images, output clipped to [0, 1]. */
  readonly psnr: number;
  /** Mean SSIM over the test images. */
  readonly ssim: number;
  /** Weights of the model (0 for mean fill and the corrupted input). */
  readonly parameters: number;
  /** Training (search, retraining) and evaluation time. */
  readonly seconds: number;
}

/** The results of one mask on one dataset. */
export interface MaskResult {
  readonly mask: MaskName;
  readonly runDir: string;
  readonly testImages: number;
  /** The most likely architecture of the search, retrained from scratch with Adam and step decay. */
  readonly searched: MethodResult & { readonly searchSeconds: number; readonly retrainSeconds: number; readonly architecture: string };
  /** The fixed autoencoder of similar size, retrained with the same budget. */
  readonly handWritten: MethodResult & { readonly channels: number };
  /** The hole filled with the mean of the visible pixels. */
  readonly meanFill: MethodResult;
  /** The corrupted input itself, for reference. */
  readonly corrupted: MethodResult;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * One mask: searches the space on `dataset`, retrains the most likely
 * architecture, trains the hand-written autoencoder of similar size with the
 * same budget, and scores them beside mean fill on the test split (every
 * method sees the same holes). Writes the search run, its restorations (all
 * four methods) and the retraining summaries under `runDir`.
 */
export async function maskResults(
  dataset: Dataset,
  mask: MaskName,
  settings: ResultsSettings,
  runDir: string,
  log: (line: string) => void,
): Promise<MaskResult> {
  const s = settings;
  const space = createInpaintingSpace({ encoding: s.encoding, nodes: s.nodes, levelBack: s.levelBack, channels: s.channels, mask });
  const task = taskFor(space, dataset.info);
  const shared = {
    seed: s.seed,
    batchSize: s.batchSize,
    weightDecay: s.weightDecay,
    ...(s.maxExamples !== undefined ? { maxExamples: s.maxExamples } : {}),
  };
  const searchConfig: SearchConfig = {
    ...shared,
    epochs: s.searchEpochs,
    ...(s.searchSteps !== undefined ? { steps: s.searchSteps } : {}),
    optimizer: s.searchOptimizer,
    learningRate: s.searchLearningRate,
  };
  const retrainConfig: RetrainConfig = {
    ...shared,
    epochs: s.retrainEpochs,
    optimizer: 'adam',
    schedule: 'step',
    learningRate: s.retrainLearningRate,
    decayFactor: s.decayFactor,
    ...(s.decayEpochs !== undefined ? { decayEpochs: s.decayEpochs } : {}),
  };
  const testSplit = dataset.split(dataset.info.splits.test ? 'test' : 'train');
  const score = async (restore: Restorer) =>
    evaluateRestoration({
      restore,
      split: testSplit,
      mask: space.mask,
      rng: new Rng(s.seed + 7919),
      batchSize: s.batchSize,
      ...(s.testImages !== undefined ? { maxImages: s.testImages } : {}),
    });

  log(`[${mask}] search: ${space.variables.length} variables, supernet of ${space.supernetWeightCount(task)} weights`);
  const search = await afterSearch(
    await runSearch({
      space,
      dataset,
      runDir,
      config: searchConfig,
      onEpoch: (e) => log(`[${mask}] search epoch ${e.epoch + 1}: held-out PSNR ${e.metrics.psnr?.toFixed(2)} dB, ${e.seconds.toFixed(0)} s`),
    }),
    runDir,
    space,
    dataset,
  );
  const architecture = space.describe(search.best).text.split('\n')[0] ?? '';
  log(`[${mask}] most likely architecture: ${architecture}`);

  const trainAndScore = async (arch: typeof search.best, source: string, label: string) => {
    const started = now();
    const result = await retrain({
      space,
      dataset,
      architecture: arch,
      config: retrainConfig,
      onEpoch: (e) =>
        log(
          `[${mask}] ${source} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(5)}, lr ${e.learningRate.toExponential(1)}, ${e.seconds.toFixed(0)} s`,
        ),
    });
    try {
      const scores = await score((x) => result.model.predict(x) as tf.Tensor4D);
      await writeModelRestorations(runDir, space, dataset, result.model, source, label);
      return { psnr: scores.psnr, ssim: scores.ssim, parameters: result.parameters, seconds: now() - started, images: scores.images };
    } finally {
      result.model.dispose();
    }
  };

  const searched = await trainAndScore(search.best, 'retrain', 'most likely architecture, retrained from scratch');
  const matched = matchedAutoencoder(space, task, searched.parameters);
  log(`[${mask}] hand-written autoencoder: ${matched.channels} channels, ${matched.parameters} weights (searched: ${searched.parameters})`);
  const hand = await trainAndScore(matched.architecture, 'hand-written', `hand-written autoencoder, ${matched.channels} channels, same budget`);

  let started = now();
  const fill = await score(meanFill);
  const fillSeconds = now() - started;
  started = now();
  const corrupted = await score((x) => tf.clone(x));
  const corruptedSeconds = now() - started;
  await writeMeanFillRestorations(runDir, dataset, space.mask, mask);

  return {
    mask,
    runDir,
    testImages: searched.images,
    searched: {
      psnr: searched.psnr,
      ssim: searched.ssim,
      parameters: searched.parameters,
      seconds: search.seconds + searched.seconds,
      searchSeconds: search.seconds,
      retrainSeconds: searched.seconds,
      architecture,
    },
    handWritten: { psnr: hand.psnr, ssim: hand.ssim, parameters: hand.parameters, seconds: hand.seconds, channels: matched.channels },
    meanFill: { psnr: fill.psnr, ssim: fill.ssim, parameters: 0, seconds: fillSeconds },
    corrupted: { psnr: corrupted.psnr, ssim: corrupted.ssim, parameters: 0, seconds: corruptedSeconds },
  };
}

/** The mean-fill grid, on the same images and holes as the models' (seed 0 of `sampleRestorations`). */
async function writeMeanFillRestorations(runDir: string, dataset: Dataset, mask: Parameters<typeof corruptImages>[1], name: string): Promise<void> {
  const split = dataset.split(dataset.info.splits.test ? 'test' : 'train');
  const count = Math.min(4, split.size);
  const raw = await split.read(Int32Array.from({ length: count }, (_, i) => i));
  const images = tf.tidy(() => tf.div(tf.tensor4d(raw.images, [count, ...dataset.info.shape], 'int32'), 255) as tf.Tensor4D);
  const { inputs, keep } = corruptImages(images, mask, new Rng(0));
  const filled = meanFill(inputs, keep);
  try {
    writeRestorationSet(
      runDir,
      await restorationSet({ source: 'mean-fill', label: 'mean of the visible pixels, no training', mask: name }, inputs, filled, images),
    );
  } finally {
    tf.dispose([images, inputs, keep, filled]);
  }
}

/** Every restoration set of the runs, for one page of grids. */
export function allRestorations(runDirs: readonly string[]): RestorationSet[] {
  return runDirs.flatMap((dir) => readRestorations(dir));
}

/** The directory of one mask's run. */
export const maskRunDir = (out: string, dataset: string, mask: MaskName) => join(out, `${dataset}-${mask}`);
