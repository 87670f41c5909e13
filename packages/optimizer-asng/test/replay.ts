import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProductDistribution } from '@asng/core';
import { CategoricalDistribution } from '@asng/distribution-categorical';
import { GaussianDistribution } from '@asng/distribution-gaussian';
import { AdaptiveSng, rankingUtility } from '../src/index.js';

/** Where the reference vectors are: `ASNG_VECTORS_DIR`, or the copy beside this file. */
export const vectorsDir = process.env.ASNG_VECTORS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'vectors');

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(vectorsDir, name), 'utf8')) as T;
}

interface UtilityCase {
  losses: number[];
  sortedIndex: number[];
  utilityBySortedRank: number[];
}

interface CategoricalRun {
  categories: number[];
  lambda: number;
  alpha: number;
  initDelta: number;
  rangeRestriction: boolean;
  steps: {
    samples: number[][][];
    losses: number[];
    theta: number[][];
    s: number[];
    gamma: number;
    Delta: number;
    delta: number;
  }[];
}

interface MixedRun {
  categories: number[];
  ranges: [number, number][];
  lambda: number;
  alpha: number;
  initDelta: number;
  initialThetaGaussian: number[][];
  steps: {
    samplesCategorical: number[][][];
    samplesContinuous: number[][];
    losses: number[];
    thetaCategorical: number[][];
    thetaGaussian: number[][];
    s: number[];
    gamma: number;
    Delta: number;
    delta: number;
    eps: number;
  }[];
}

/** Max absolute difference over the max magnitude of the reference (or the absolute difference if it is all zero). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The error of one replayed step, by quantity. */
export interface StepError {
  readonly file: string;
  readonly run: number;
  readonly step: number;
  readonly errors: Readonly<Record<string, number>>;
}

/** Result of a full replay. */
export interface ReplayResult {
  /** Number of optimizer steps replayed (utility cases not counted). */
  readonly steps: number;
  /** Worst relative error over theta, s, gamma and Delta of every step. */
  readonly maxRelError: number;
  /** Worst error on the step size quantities (delta, epsilon), reported apart. */
  readonly maxStepSizeError: number;
  /** Worst utility error over the utility cases (exact ranks and values). */
  readonly utilityMaxError: number;
  readonly perStep: readonly StepError[];
}

const indexOfOne = (row: number[]): number => row.indexOf(1);

/** Replays every utility case and every step of every run of the reference vectors. */
export function replayVectors(): ReplayResult {
  const perStep: StepError[] = [];
  let utilityMaxError = 0;
  for (const c of load<{ cases: UtilityCase[] }>('utility.json').cases) {
    const { bySortedRank, utilities } = rankingUtility(c.losses);
    // Ties may be ordered differently; compare utilities by original index.
    const expected = new Float64Array(c.losses.length);
    c.sortedIndex.forEach((idx, r) => (expected[idx] = c.utilityBySortedRank[r]!));
    utilityMaxError = Math.max(utilityMaxError, relativeError(utilities, expected), relativeError(bySortedRank, c.utilityBySortedRank));
  }

  load<{ runs: CategoricalRun[] }>('categorical-asng.json').runs.forEach((run, r) => {
    const dist = new CategoricalDistribution(run.categories, { rangeRestriction: run.rangeRestriction });
    const asng = new AdaptiveSng(dist, { lambda: run.lambda, alpha: run.alpha, initialDelta: run.initDelta });
    run.steps.forEach((step, k) => {
      const samples = step.samples.map((x) => Int32Array.from(x.slice(0, run.categories.length), indexOfOne));
      asng.update(samples, step.losses);
      const theta = run.categories.flatMap((K, i) => step.theta[i]!.slice(0, K));
      perStep.push({
        file: 'categorical-asng.json',
        run: r,
        step: k,
        errors: {
          theta: relativeError(dist.theta(), theta),
          s: relativeError(asng.path(), step.s),
          gamma: relativeError([asng.gamma], [step.gamma]),
          Delta: relativeError([asng.Delta], [step.Delta]),
          delta: relativeError([asng.delta], [step.delta]),
        },
      });
    });
  });

  load<{ runs: MixedRun[] }>('mixed-asng.json').runs.forEach((run, r) => {
    const [means, second] = run.initialThetaGaussian as [number[], number[]];
    const categorical = new CategoricalDistribution(run.categories);
    const gaussian = new GaussianDistribution(
      run.ranges.map(([min, max]) => ({ min, max })),
      { mean: means, std: means.map((m, i) => Math.sqrt(second[i]! - m * m)) },
    );
    const joint = new ProductDistribution({ categorical, gaussian });
    const asng = new AdaptiveSng(joint, { lambda: run.lambda, alpha: run.alpha, initialDelta: run.initDelta, fisherNormGuard: 1e-9 });
    run.steps.forEach((step, k) => {
      const samples = step.samplesCategorical.map((x, i) => ({
        categorical: Int32Array.from(x, indexOfOne),
        gaussian: Float64Array.from(step.samplesContinuous[i]!),
      }));
      const deltaUsed = asng.delta;
      const report = asng.update(samples, step.losses);
      const theta = run.categories.flatMap((K, i) => step.thetaCategorical[i]!.slice(0, K));
      perStep.push({
        file: 'mixed-asng.json',
        run: r,
        step: k,
        errors: {
          theta: Math.max(relativeError(categorical.theta(), theta), relativeError(gaussian.theta(), step.thetaGaussian.flat())),
          s: relativeError(asng.path(), step.s),
          gamma: relativeError([asng.gamma], [step.gamma]),
          Delta: relativeError([asng.Delta], [step.Delta]),
          delta: relativeError([deltaUsed], [step.delta]),
          eps: report.updated ? relativeError([report.epsilon], [step.eps]) : 0,
        },
      });
    });
  });

  let maxRelError = 0;
  let maxStepSizeError = 0;
  for (const p of perStep) {
    maxRelError = Math.max(maxRelError, p.errors.theta!, p.errors.s!, p.errors.gamma!, p.errors.Delta!);
    maxStepSizeError = Math.max(maxStepSizeError, p.errors.delta!, p.errors.eps ?? 0);
  }
  return { steps: perStep.length, maxRelError, maxStepSizeError, utilityMaxError, perStep };
}
