/**
 * The issue-6 comparison: a one-shot search with ASNG in the paper's cell
 * space, then its most likely architecture and a random architecture of the
 * same space each retrained from scratch with the same budget (the same
 * network size, or each its own width within a parameter budget), and
 * tested. The API calls behind `asng search` and `asng retrain`.
 */
import { join } from 'node:path';
import { Rng, taskFor, type Architecture, type CategoricalVariable, type Dataset } from '@asng/core';
import { largestWidthWithin, retrain, runSearch, saveModelAtomically, type RetrainConfig, type SearchConfig } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';

/** The budget of a comparison; every field is a command-line option of `npm run -s compare`. */
export interface CompareSettings {
  /** Seed of the search and of both retrainings. */
  readonly seed: number;
  /** Seed of the random architecture. */
  readonly randomSeed: number;
  readonly searchCells: number;
  readonly searchChannels: number;
  readonly searchEpochs: number;
  /** Search steps; overrides `searchEpochs` when given. */
  readonly searchSteps?: number;
  /** Training examples of the search (half of them validate). */
  readonly searchExamples?: number;
  readonly searchBatchSize: number;
  readonly searchLearningRate: number;
  readonly cells: number;
  /** Channels of the retrained networks, unless `paramBudget` is given. */
  readonly channels: number;
  /** Each retrained network gets the largest channel count whose model has at most this many trainable parameters. */
  readonly paramBudget?: number;
  readonly retrainEpochs: number;
  readonly retrainExamples?: number;
  /** Test on at most this many test examples. */
  readonly testExamples?: number;
  readonly retrainBatchSize: number;
  readonly retrainLearningRate: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly schedule: 'cosine' | 'step' | 'constant';
  readonly cutout?: number;
  readonly auxiliaryWeight?: number;
  readonly dropPath?: number;
}

/** A retrained architecture's figures. */
export interface RetrainedFigures {
  readonly architecture: Architecture;
  readonly cells: number;
  readonly channels: number;
  /** Trainable parameters (batch-norm statistics and the auxiliary head excluded). */
  readonly parameters: number;
  /** Test metrics: `accuracy`, `loss`. */
  readonly test: Readonly<Record<string, number>>;
  readonly testExamples: number;
  readonly seconds: number;
}

/** The outcome of {@link compare}. */
export interface Comparison {
  readonly dataset: string;
  readonly search: {
    readonly steps: number;
    readonly seconds: number;
    readonly secondsPerStep: number;
    /** Metrics of the most likely architecture on held-out batches with the supernet's weights. */
    readonly metrics: Readonly<Record<string, number>>;
  };
  readonly found: RetrainedFigures;
  readonly random: RetrainedFigures;
  readonly seconds: number;
}

/** What {@link compare} reports while it runs. */
export type Progress = (line: string) => void;

/** A uniformly random architecture of `variables`. */
export function randomCellArchitecture(variables: readonly CategoricalVariable[], rng: Rng): Architecture {
  return Object.fromEntries(variables.map((v) => [v.name, v.choices[rng.int(v.choices.length)]!]));
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * Runs the comparison: the search (its run directory is `runDir/search`),
 * then both retrainings with the same settings (their models are saved to
 * `runDir/found-model` and `runDir/random-model`).
 */
export async function compare(dataset: Dataset, settings: CompareSettings, runDir: string, progress: Progress = () => undefined): Promise<Comparison> {
  const started = process.hrtime.bigint();
  const info = dataset.info;
  const searchSpace = createImageClassificationSpace({ cells: settings.searchCells, channels: settings.searchChannels });
  const task = taskFor(searchSpace, info);
  const searchConfig: SearchConfig = {
    seed: settings.seed,
    epochs: settings.searchEpochs,
    ...(settings.searchSteps !== undefined ? { steps: settings.searchSteps } : {}),
    ...(settings.searchExamples !== undefined ? { maxExamples: settings.searchExamples } : {}),
    batchSize: settings.searchBatchSize,
    learningRate: settings.searchLearningRate,
    checkpointMinutes: 30,
  };
  progress(`search: ${settings.searchCells} cells of ${settings.searchChannels} channels on ${info.name}, ${JSON.stringify(searchConfig)}`);
  const searchStarted = process.hrtime.bigint();
  let lastReport = 0;
  const searched = await runSearch({
    space: searchSpace,
    dataset,
    runDir: join(runDir, 'search'),
    config: searchConfig,
    onStep: (e) => {
      if (e.seconds - lastReport < 30 && e.step !== e.totalSteps) return;
      lastReport = e.seconds;
      progress(
        `search step ${e.step}/${e.totalSteps}: loss ${e.trainLoss.toFixed(3)}, convergence ${(e.optimizer.convergence ?? Number.NaN).toFixed(3)}, ${e.seconds.toFixed(0)} s`,
      );
    },
  });
  const searchSeconds = seconds(searchStarted);
  if (searched.status !== 'completed') throw new Error(`the search stopped after step ${searched.steps}`);
  progress(`search done in ${searchSeconds.toFixed(1)} s; most likely architecture:\n${searched.description.text}`);

  const random = randomCellArchitecture(searchSpace.variables as CategoricalVariable[], new Rng(settings.randomSeed));
  const retrainConfig: RetrainConfig = {
    seed: settings.seed,
    epochs: settings.retrainEpochs,
    ...(settings.retrainExamples !== undefined ? { maxExamples: settings.retrainExamples } : {}),
    ...(settings.testExamples !== undefined ? { maxTestExamples: settings.testExamples } : {}),
    batchSize: settings.retrainBatchSize,
    learningRate: settings.retrainLearningRate,
    optimizer: settings.optimizer,
    schedule: settings.schedule,
    ...(settings.cutout !== undefined ? { augment: { cutout: { size: settings.cutout } } } : {}),
    ...(settings.auxiliaryWeight !== undefined ? { auxiliaryWeight: settings.auxiliaryWeight } : {}),
    ...(settings.dropPath !== undefined ? { dropPath: settings.dropPath } : {}),
  };
  const retrainOne = async (name: 'found' | 'random', architecture: Architecture): Promise<RetrainedFigures> => {
    const channels =
      settings.paramBudget === undefined
        ? settings.channels
        : largestWidthWithin({
            budget: settings.paramBudget,
            parameters: (c) => createImageClassificationSpace({ cells: settings.cells, channels: c }).countParameters(architecture, task),
          });
    const space = createImageClassificationSpace({ cells: settings.cells, channels });
    progress(
      `retrain ${name}: ${settings.cells} cells of ${channels} channels, ${space.countParameters(architecture, task)} parameters, ${JSON.stringify(retrainConfig)}`,
    );
    const result = await retrain({
      space,
      dataset,
      architecture,
      config: retrainConfig,
      onEpoch: (e) =>
        progress(
          `retrain ${name} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, lr ${e.learningRate.toExponential(2)}, ${e.seconds.toFixed(0)} s`,
        ),
    });
    try {
      await saveModelAtomically(result.model, join(runDir, `${name}-model`));
    } finally {
      result.model.dispose();
    }
    const testExamples = Math.min(settings.testExamples ?? Number.POSITIVE_INFINITY, dataset.split(result.split).size);
    progress(`retrain ${name}: ${result.split} ${JSON.stringify(result.test)} on ${testExamples} examples, ${result.seconds.toFixed(1)} s`);
    return { architecture, cells: settings.cells, channels, parameters: result.trainableParameters, test: result.test, testExamples, seconds: result.seconds };
  };
  const found = await retrainOne('found', searched.best);
  const randomFigures = await retrainOne('random', random);
  return {
    dataset: info.name,
    search: { steps: searched.steps, seconds: searchSeconds, secondsPerStep: searchSeconds / Math.max(1, searched.steps), metrics: searched.metrics },
    found,
    random: randomFigures,
    seconds: seconds(started),
  };
}
