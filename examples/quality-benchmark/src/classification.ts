/**
 * The classification task of the quality benchmark: ASNG in the paper's cell
 * space on Fashion-MNIST, its most likely architecture and K uniformly random
 * architectures of the same space each retrained from scratch at the same
 * parameter budget with the same recipe, and tested on the whole test split.
 */
import { join } from 'node:path';
import { taskFor, type Architecture, type Dataset, type TaskSpec } from '@asng/core';
import { largestWidthWithin, retrain, type RetrainConfig, type SearchConfig } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import {
  FINALIST_SEED_OFFSET,
  finalBeliefs,
  finalistCandidates,
  finalistHoldOut,
  type FinalistDraw,
  indexOfBest,
  pieceStoreOf,
  randomArchitectures,
  rankAmong,
  retrainings,
  searchOrResume,
  secondsSince,
  stats,
  type Budget,
  type SearchOutcome,
  type TaskContext,
} from './protocol.js';
import { kendallTau, spearmanRho } from './supernet-ranking.js';

/** The budget of the classification task: plain JSON, recorded with the results. */
export interface ClassificationSettings {
  /** `fashion-mnist-subset` (embedded 6,000/1,000) or `fashion-mnist` (the full 60,000/10,000). */
  readonly dataset: 'fashion-mnist-subset' | 'fashion-mnist';
  readonly search: {
    readonly cells: number;
    readonly channels: number;
    readonly steps: number;
    /** Steps of weight warm-up with the distribution frozen (within `steps`); 0 is the paper. */
    readonly warmupSteps: number;
    /**
     * ASNG's initial trust region `delta` (KL divergence per update before
     * the adaptation takes over); absent: the paper's 1.
     */
    readonly initialDelta?: number;
    /** ASNG's population `lambda` (architectures per weight step and per distribution step); absent: the paper's 2. */
    readonly lambda?: number;
    /**
     * The engine's `SearchConfig.parameterPenalty`: the distribution ranks
     * `loss * parameters ** parameterPenalty`, the loss at an equal parameter
     * budget if the loss falls as that power of the parameters; absent: the
     * paper's objective, the loss alone.
     */
    readonly parameterPenalty?: number;
    /**
     * The engine's `SearchConfig.freezeWeightsAfterWarmup`: after the warm-up
     * the distribution learns on the supernet the warm-up trained on uniformly
     * drawn architectures; absent: weights and distribution learn together (the paper).
     */
    readonly freezeWeightsAfterWarmup?: boolean;
    /**
     * A budget-width search (the space's `parameterBudget`): the supernet runs
     * each architecture as wide (up to `channels`) as fits this many
     * parameters; absent: every architecture at `channels`, the paper.
     */
    readonly parameterBudget?: number;
    readonly batchSize: number;
    readonly learningRate: number;
    /** Training examples used (half of them validate); all when absent. */
    readonly maxExamples?: number;
    /**
     * A selection after the search: the final distribution's this many
     * likeliest architectures (`likeliestArchitectures` of `@asng/core`) are
     * each trained from scratch with the retraining recipe at the retraining
     * budget on the training split less its last `finalistHoldOut` images, and
     * scored (accuracy) on those; the best is the found architecture. Absent:
     * the most likely architecture (the paper).
     */
    readonly finalists?: number;
    /** How the finalists are picked: the likeliest (default), or the mode and draws from the final distribution (`drawnArchitectures`). */
    readonly finalistDraw?: FinalistDraw;
    /** Training images of each finalist (the first ones of the training split); absent: all but the held-out ones. */
    readonly finalistExamples?: number;
    /** Images at the end of the training split that score the finalists; absent: 10,000 (at most a fifth of the split). */
    readonly finalistHoldOut?: number;
  };
  readonly retrain: {
    readonly cells: number;
    /** Each network is as wide as fits this many trainable parameters. */
    readonly parameterBudget: number;
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    /** Training examples used; all when absent. */
    readonly maxExamples?: number;
    /** Random crop padding (pixels) and left-right flips. */
    readonly crop: number;
    readonly flip: boolean;
  };
}

/** The classification budgets. */
export const CLASSIFICATION_BUDGETS: Readonly<Record<Budget, ClassificationSettings>> = {
  // CI: about a minute for the search and 15 s per retraining on 2 cores.
  smoke: {
    dataset: 'fashion-mnist-subset',
    search: { cells: 3, channels: 4, steps: 60, warmupSteps: 20, batchSize: 32, learningRate: 0.05, maxExamples: 2000 },
    retrain: { cells: 3, parameterBudget: 8000, epochs: 1, batchSize: 32, learningRate: 0.05, maxExamples: 1000, crop: 0, flip: false },
  },
  // Search: 1,000 warm-up steps at about 0.3 s and 3,000 at about 0.5 s (3 cells x 8
  // channels, batch 64): 30 min. Each of the 6 networks at 60,000 parameters: 0.22 s per
  // step of 64, 938 steps per epoch, 2 epochs, plus 25 s of test: 7.5 min, 45 min for all.
  standard: {
    dataset: 'fashion-mnist',
    search: { cells: 3, channels: 8, steps: 4000, warmupSteps: 1000, batchSize: 64, learningRate: 0.05 },
    retrain: { cells: 3, parameterBudget: 60000, epochs: 2, batchSize: 64, learningRate: 0.05, crop: 2, flip: true },
  },
  // The standard search (about 35 min), then the found architecture alone at 150,000
  // parameters: about 0.5 s per step of 64 (estimated from 0.22 s at 54,000 and 1.2 s at
  // 307,000 in 5 cells), 938 steps per epoch, 8 epochs in about 63 min; under 2 h together.
  best: {
    dataset: 'fashion-mnist',
    search: { cells: 3, channels: 8, steps: 4000, warmupSteps: 1000, batchSize: 64, learningRate: 0.05 },
    retrain: { cells: 3, parameterBudget: 150000, epochs: 8, batchSize: 64, learningRate: 0.05, crop: 2, flip: true },
  },
};

/** One retrained and tested architecture. */
export interface RetrainedArchitecture {
  readonly seed: number;
  /** Test accuracy on the whole test split. */
  readonly metric: number;
  readonly parameters: number;
  readonly channels: number;
  readonly testLoss: number;
  readonly seconds: number;
  readonly architecture: Architecture;
  /** With `--retrain-seeds N` (N > 1): each retraining's test accuracy, whose mean is `metric` (`testLoss` is the mean too, `seconds` the sum, `seed` the first). */
  readonly retrains?: readonly number[];
}

/** A finalist of the selection after a search: trained on the training split less the held-out images, scored on those. */
export interface ClassificationFinalist {
  readonly architecture: Architecture;
  /** Its probability under the search's final distribution. */
  readonly probability: number;
  /** Accuracy and cross-entropy on the held-out images of the training split. */
  readonly accuracy: number;
  readonly loss: number;
  readonly parameters: number;
  readonly channels: number;
  readonly seconds: number;
  /** With `retrainFinalists`: its test accuracy when retrained as the found network is. */
  readonly test?: number;
}

/** The JSON the benchmark prints for the classification task. */
export interface ClassificationQuality {
  readonly task: 'classification';
  readonly budget: Budget;
  readonly found: (RetrainedArchitecture & {
    readonly convergence: number;
    readonly searchSteps: number;
    readonly searchMetrics: Readonly<Record<string, number>>;
    /** With `search.finalists`: each finalist's held-out figures, in decreasing probability; `selected` is the one retrained. */
    readonly finalists?: readonly ClassificationFinalist[];
    readonly selected?: number;
    /** With `retrainFinalists`: rank correlations of the finalists' held-out accuracies with their test accuracies (null where all tie). */
    readonly selectionKendall?: number | null;
    readonly selectionSpearman?: number | null;
  })[];
  readonly random: (RetrainedArchitecture & { readonly index: number })[];
  readonly randomMean: number;
  readonly randomStd: number;
  readonly randomMax: number;
  /** Rank of each found architecture among itself and every random one (1: the best). */
  readonly foundRank: number[];
  readonly seconds: { readonly search: number; readonly retrain: number };
  readonly testExamples: number;
  readonly settings: ClassificationSettings;
}

/** The search configuration of `settings` for search seed `seed`. */
export function classificationSearchConfig(settings: ClassificationSettings, seed: number): SearchConfig {
  const s = settings.search;
  return {
    seed,
    steps: s.steps,
    warmupSteps: s.warmupSteps,
    ...(s.parameterPenalty !== undefined ? { parameterPenalty: s.parameterPenalty } : {}),
    ...(s.freezeWeightsAfterWarmup === true ? { freezeWeightsAfterWarmup: true } : {}),
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    ...(s.maxExamples !== undefined ? { maxExamples: s.maxExamples } : {}),
    checkpointMinutes: 5,
  };
}

/** The retraining recipe of `settings`, the same for every architecture of seed `seed`. */
export function classificationRetrainConfig(settings: ClassificationSettings, seed: number): RetrainConfig {
  const r = settings.retrain;
  const augment = { ...(r.crop > 0 ? { crop: { padding: r.crop } } : {}), ...(r.flip ? { flip: true } : {}) };
  return {
    seed,
    epochs: r.epochs,
    batchSize: r.batchSize,
    learningRate: r.learningRate,
    schedule: 'cosine',
    ...(r.maxExamples !== undefined ? { maxExamples: r.maxExamples } : {}),
    ...(Object.keys(augment).length > 0 ? { augment } : {}),
  };
}

/** The channels `architecture` is retrained at: the widest network of `cells` cells within `parameterBudget` parameters on `task`. */
export function retrainWidth(cells: number, parameterBudget: number, architecture: Architecture, task: TaskSpec): number {
  return largestWidthWithin({
    budget: parameterBudget,
    parameters: (c) => createImageClassificationSpace({ cells, channels: c }).countParameters(architecture, task),
  });
}

/**
 * Retrains `architecture` from scratch at the settings' parameter budget
 * (the widest network that fits it) and tests it on the whole test split.
 */
export async function retrainAtBudget(
  dataset: Dataset,
  settings: ClassificationSettings,
  seed: number,
  architecture: Architecture,
  log: (line: string) => void,
  label: string,
  /** Changes to the recipe (the selection's `holdOut` and `maxExamples`); the figures are then the held-out ones. */
  override: Partial<RetrainConfig> = {},
): Promise<RetrainedArchitecture> {
  const r = settings.retrain;
  const task = taskFor(createImageClassificationSpace({ cells: r.cells }), dataset.info);
  const channels = retrainWidth(r.cells, r.parameterBudget, architecture, task);
  const space = createImageClassificationSpace({ cells: r.cells, channels });
  const started = process.hrtime.bigint();
  log(`${label}: ${r.cells} cells of ${channels} channels, ${space.countParameters(architecture, task)} parameters`);
  const result = await retrain({
    space,
    dataset,
    architecture,
    config: { ...classificationRetrainConfig(settings, seed), ...override },
    onEpoch: (e) => log(`${label} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, ${e.seconds.toFixed(0)} s`),
  });
  result.model.dispose();
  const figures = {
    seed,
    metric: result.test.accuracy!,
    parameters: result.trainableParameters,
    channels,
    testLoss: result.test.loss!,
    seconds: secondsSince(started),
    architecture,
  };
  log(`${label}: ${override.holdOut !== undefined ? 'held-out' : 'test'} accuracy ${figures.metric.toFixed(4)}, ${figures.seconds.toFixed(0)} s`);
  return figures;
}

/**
 * Runs the classification comparison for every seed of `ctx`, resuming from
 * the pieces a stopped run left in `ctx.runDir`.
 */
export async function runClassificationQuality(
  ctx: TaskContext,
  settings: ClassificationSettings,
  budget: Budget,
  dataset: Dataset,
): Promise<ClassificationQuality> {
  const store = pieceStoreOf(ctx);
  const found: ClassificationQuality['found'][number][] = [];
  const random: ClassificationQuality['random'][number][] = [];
  let searchSeconds = 0;
  let retrainSeconds = 0;
  const trainSize = dataset.split('train').size;
  const holdOut = finalistHoldOut(settings.search.finalistHoldOut, trainSize);
  // The selection after a search (search.finalists): the final distribution's likeliest
  // architectures, each trained from scratch with the retraining recipe (and a seed no
  // retraining uses) on the training split less its held-out tail, scored there; the best held-out
  // accuracy wins (the likelier on a tie).
  const selectFinalist = async (seed: number, searched: SearchOutcome): Promise<{ finalists: ClassificationFinalist[]; selected: number }> => {
    const label = `search-seed${seed}`;
    const candidates = finalistCandidates(
      finalBeliefs(searched, label, store.dir),
      searched.best,
      settings.search.finalists!,
      settings.search.finalistDraw,
      seed,
    );
    const examples = settings.search.finalistExamples ?? settings.retrain.maxExamples;
    const finalists: ClassificationFinalist[] = [];
    for (const [index, candidate] of candidates.entries()) {
      const name = `finalist-seed${seed}-${index}`;
      const run = await store.get(name, () =>
        retrainAtBudget(
          dataset,
          settings,
          seed + FINALIST_SEED_OFFSET,
          candidate.architecture,
          ctx.log,
          `seed ${seed} finalist ${index + 1}/${candidates.length} (probability ${candidate.probability.toPrecision(3)}; training on the first ${examples ?? trainSize - holdOut} images, scoring on the last ${holdOut} of the training split)`,
          { holdOut, ...(examples !== undefined ? { maxExamples: examples } : {}) },
        ),
      );
      if (JSON.stringify(run.architecture) !== JSON.stringify(candidate.architecture) || run.seed !== seed + FINALIST_SEED_OFFSET)
        throw new Error(
          `${join(store.dir, `${name}.json`)}: holds another architecture or seed than finalist ${index + 1} (seed ${seed + FINALIST_SEED_OFFSET}); delete it to train it again`,
        );
      finalists.push({
        architecture: candidate.architecture,
        probability: candidate.probability,
        accuracy: run.metric,
        loss: run.testLoss,
        parameters: run.parameters,
        channels: run.channels,
        seconds: run.seconds,
      });
    }
    const selected = indexOfBest(finalists.map((f) => f.accuracy));
    ctx.log(`seed ${seed}: finalist ${selected + 1} of ${finalists.length} selected (held-out accuracy ${finalists[selected]!.accuracy.toFixed(4)})`);
    return { finalists, selected };
  };
  const { cells, channels, parameterBudget } = settings.search;
  const searchSpace = createImageClassificationSpace({ cells, channels, ...(parameterBudget !== undefined ? { parameterBudget } : {}) });
  for (const seed of ctx.seeds) {
    const searched = await store.get(`search-seed${seed}`, () =>
      searchOrResume({
        space: searchSpace,
        dataset,
        runDir: join(ctx.runDir, `search-seed${seed}`),
        config: classificationSearchConfig(settings, seed),
        log: ctx.log,
        label: `seed ${seed} search`,
        ...(settings.search.initialDelta !== undefined ? { initialDelta: settings.search.initialDelta } : {}),
        ...(settings.search.lambda !== undefined ? { lambda: settings.search.lambda } : {}),
      }),
    );
    searchSeconds += searched.seconds;
    ctx.log(`seed ${seed}: most likely architecture ${searched.summary}, convergence ${searched.convergence.toFixed(3)}`);
    // Every network retrained ctx.retrainSeeds times (the first with the search seed, as one
    // retraining always was): its figures are the means.
    const retrained = async (name: string, architecture: Architecture, label: string): Promise<RetrainedArchitecture> => {
      const runs: RetrainedArchitecture[] = [];
      for (const r of retrainings(seed, ctx.retrainSeeds ?? 1)) {
        const run = await store.get(`${name}${r.suffix}`, () =>
          retrainAtBudget(dataset, settings, r.seed, architecture, ctx.log, r.suffix === '' ? label : `${label}, retraining seed ${r.seed}`),
        );
        if (JSON.stringify(run.architecture) !== JSON.stringify(architecture)) {
          throw new Error(`${join(store.dir, `${name}${r.suffix}.json`)}: holds another architecture than ${label}; delete it to retrain`);
        }
        runs.push(run);
      }
      if (runs.length === 1) return runs[0]!;
      const mean = (key: 'metric' | 'testLoss') => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
      return {
        ...runs[0]!,
        metric: mean('metric'),
        testLoss: mean('testLoss'),
        seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
        retrains: runs.map((r) => r.metric),
      };
    };
    const selection = settings.search.finalists !== undefined ? await selectFinalist(seed, searched) : undefined;
    const chosen = selection ? selection.finalists[selection.selected]!.architecture : searched.best;
    const f = await retrained(`found-seed${seed}`, chosen, selection ? `seed ${seed} found (selected finalist)` : `seed ${seed} found`);
    retrainSeconds += f.seconds;
    // A measurement of the selection (ctx.retrainFinalists): every finalist retrained as the found one was (the selected one is it).
    let finalists = selection?.finalists;
    let correlations = {};
    if (selection && ctx.retrainFinalists) {
      const tests: number[] = [];
      for (const [index, finalist] of selection.finalists.entries()) {
        if (index === selection.selected) {
          tests.push(f.metric);
          continue;
        }
        const r = await retrained(
          `finalist-retrain-seed${seed}-${index}`,
          finalist.architecture,
          `seed ${seed} finalist ${index + 1}/${selection.finalists.length} retrained`,
        );
        retrainSeconds += r.seconds;
        tests.push(r.metric);
      }
      finalists = selection.finalists.map((x, i) => ({ ...x, test: tests[i]! }));
      const heldOut = selection.finalists.map((x) => x.accuracy);
      const finite = (x: number) => (Number.isFinite(x) ? x : null);
      const kendall = finite(kendallTau(heldOut, tests));
      correlations = { selectionKendall: kendall, selectionSpearman: finite(spearmanRho(heldOut, tests)) };
      ctx.log(
        `seed ${seed}: finalists retrained: test ${tests.map((t) => t.toFixed(4)).join(', ')}; Kendall tau ${kendall?.toFixed(3) ?? 'undefined (ties)'} with their held-out accuracies`,
      );
    }
    found.push({
      ...f,
      convergence: searched.convergence,
      searchSteps: searched.steps,
      searchMetrics: searched.metrics,
      ...(selection ? { finalists: finalists!, selected: selection.selected, ...correlations } : {}),
    });
    const drawn = randomArchitectures(searchSpace.variables, seed, ctx.random);
    for (const [index, architecture] of drawn.entries()) {
      const r = await retrained(`random-seed${seed}-${index}`, architecture, `seed ${seed} random ${index + 1}/${drawn.length}`);
      retrainSeconds += r.seconds;
      random.push({ ...r, index });
    }
  }
  const values = random.map((r) => r.metric);
  const { mean, std, max } = stats(values);
  return {
    task: 'classification',
    budget,
    found,
    random,
    randomMean: mean,
    randomStd: std,
    randomMax: max,
    foundRank: found.map((f) => rankAmong(f.metric, values)),
    seconds: { search: searchSeconds, retrain: retrainSeconds },
    testExamples: dataset.split('test').size,
    settings,
  };
}
