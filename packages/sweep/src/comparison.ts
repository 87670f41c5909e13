import type { Sweep } from './sweep-file.js';
import type { SweepState } from './sweep-state.js';

/** One metric of a found-against-random comparison. */
export interface MetricComparison {
  /** The metric's name in the retrainings' `test` figures (`accuracy`, `psnr`, ...). */
  readonly metric: string;
  /** Whether a larger value is better (false for losses and errors). */
  readonly higherIsBetter: boolean;
  /** The found architecture's value; absent until its retraining completed. */
  readonly found?: number;
  /** The completed random architectures' values, by their index (1-based). */
  readonly random: readonly { readonly index: number; readonly value: number }[];
  readonly randomMean: number;
  /** Population standard deviation of the random values. */
  readonly randomStd: number;
  /** The best random value (the largest, or the smallest for a loss). */
  readonly randomBest: number;
  /** The found architecture's rank among itself and the random ones (1: the best; ties share the better rank). */
  readonly foundRank?: number;
}

/** A `compare` entry's outcome for one search: found against its random architectures. */
export interface Comparison {
  readonly entry: string;
  /** The search job. */
  readonly search: string;
  /** Jobs of the comparison: all, and completed. */
  readonly jobs: number;
  readonly completed: number;
  /** Trainable parameters of the found architecture and of each random one (by index). */
  readonly parameters: { readonly found?: number; readonly random: readonly { readonly index: number; readonly value: number }[] };
  readonly metrics: readonly MetricComparison[];
}

const LOWER_IS_BETTER = /loss|error|mse|mae/i;

/** The test figures and parameter count of a completed `asng retrain --json`. */
function retrainFigures(result: unknown): { test: Record<string, number>; parameters?: number } | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { test?: unknown; trainableParameters?: unknown };
  if (typeof r.test !== 'object' || r.test === null) return undefined;
  const test = Object.fromEntries(Object.entries(r.test).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;
  return { test, ...(typeof r.trainableParameters === 'number' ? { parameters: r.trainableParameters } : {}) };
}

/**
 * The found-against-random comparisons of a sweep's `compare` entries, from
 * the figures of their completed retrainings: for each entry and search, each
 * test metric with the found value, the random values, their mean, standard
 * deviation and best, and the found architecture's rank. Comparisons whose
 * jobs have not all completed show what has.
 */
export function sweepComparisons(sweep: Sweep, state: SweepState): Comparison[] {
  const groups = new Map<string, { entry: string; search: string; jobs: typeof sweep.jobs }>();
  for (const job of sweep.jobs) {
    if (job.comparison === undefined) continue;
    const key = `${job.comparison.entry}\u0000${job.comparison.search}`;
    const group = groups.get(key) ?? { entry: job.comparison.entry, search: job.comparison.search, jobs: [] };
    groups.set(key, { ...group, jobs: [...group.jobs, job] });
  }
  return [...groups.values()].map(({ entry, search, jobs }) => {
    let found: ReturnType<typeof retrainFigures>;
    const random: { index: number; figures: NonNullable<ReturnType<typeof retrainFigures>> }[] = [];
    let completed = 0;
    for (const job of jobs) {
      const s = state.jobs[job.id];
      const figures = s?.status === 'completed' ? retrainFigures(s.result) : undefined;
      if (figures === undefined) continue;
      completed++;
      if (job.comparison!.role === 'found') found = figures;
      else random.push({ index: job.comparison!.index!, figures });
    }
    random.sort((a, b) => a.index - b.index);
    const names = [...new Set([...Object.keys(found?.test ?? {}), ...random.flatMap((r) => Object.keys(r.figures.test))])];
    const metrics = names.map((metric): MetricComparison => {
      const higherIsBetter = !LOWER_IS_BETTER.test(metric);
      const values = random.filter((r) => r.figures.test[metric] !== undefined).map((r) => ({ index: r.index, value: r.figures.test[metric]! }));
      const xs = values.map((v) => v.value);
      const mean = xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
      const std = xs.length > 0 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) : Number.NaN;
      const best = xs.length > 0 ? (higherIsBetter ? Math.max(...xs) : Math.min(...xs)) : Number.NaN;
      const f = found?.test[metric];
      return {
        metric,
        higherIsBetter,
        ...(f !== undefined ? { found: f, foundRank: 1 + xs.filter((x) => (higherIsBetter ? x > f : x < f)).length } : {}),
        random: values,
        randomMean: mean,
        randomStd: std,
        randomBest: best,
      };
    });
    return {
      entry,
      search,
      jobs: jobs.length,
      completed,
      parameters: {
        ...(found?.parameters !== undefined ? { found: found.parameters } : {}),
        random: random.filter((r) => r.figures.parameters !== undefined).map((r) => ({ index: r.index, value: r.figures.parameters! })),
      },
      metrics,
    };
  });
}
