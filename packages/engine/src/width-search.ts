import { Rng, canCountParameters, type Architecture, type SearchSpace, type TaskSpec } from '@asng/core';

/** What {@link largestWidthWithin} needs. */
export interface WidthSearchOptions {
  /** The largest parameter count allowed. */
  readonly budget: number;
  /** The parameter count of the model of a given width; must not decrease as the width grows. */
  readonly parameters: (width: number) => number;
  /** The smallest width tried, a multiple of `step`. @default step */
  readonly minWidth?: number;
  /** Widths are multiples of this. @default 1 */
  readonly step?: number;
  /** Give up above this width. @default 65536 */
  readonly maxWidth?: number;
}

/**
 * The largest width (a multiple of `step`, at least `minWidth`) whose
 * parameter count is within the budget, as the authors scale their retrained
 * network to 4.0M parameters: doubling until the budget is exceeded, then
 * bisection, so about `2 log2(width / step)` counts. Throws when even
 * `minWidth` is over the budget.
 */
export function largestWidthWithin(options: WidthSearchOptions): number {
  const step = options.step ?? 1;
  const minWidth = options.minWidth ?? step;
  const maxWidth = options.maxWidth ?? 65536;
  const { budget, parameters } = options;
  if (!(Number.isSafeInteger(step) && step >= 1)) throw new RangeError(`largestWidthWithin: step: expected an integer >= 1, got ${String(step)}`);
  if (!(Number.isSafeInteger(minWidth) && minWidth >= step && minWidth % step === 0)) {
    throw new RangeError(`largestWidthWithin: minWidth: expected a multiple of ${step} >= ${step}, got ${String(minWidth)}`);
  }
  if (!(budget > 0)) throw new RangeError(`largestWidthWithin: budget: expected a positive number, got ${String(budget)}`);
  const smallest = parameters(minWidth);
  if (smallest > budget) throw new RangeError(`largestWidthWithin: even width ${minWidth} has ${smallest} parameters, over the budget of ${budget}`);
  // Invariant: lo fits, hi does not (or is past maxWidth).
  let lo = minWidth / step;
  let hi = lo * 2;
  while (hi * step <= maxWidth && parameters(hi * step) <= budget) {
    lo = hi;
    hi *= 2;
  }
  hi = Math.min(hi, Math.floor(maxWidth / step) + 1);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (parameters(mid * step) <= budget) lo = mid;
    else hi = mid;
  }
  return lo * step;
}

/**
 * Trainable parameters of `space.buildModel(architecture, task)`: through
 * the space's `countParameters` when it has one (the `ParameterCounter`
 * ability of `@asng/core`),
 * else by building the model (initialised with a fixed seed) and disposing it.
 */
export function trainableParameterCount(space: SearchSpace, architecture: Architecture, task: TaskSpec): number {
  if (canCountParameters(space)) return space.countParameters(architecture, task);
  const model = space.buildModel(architecture, task, new Rng(0));
  try {
    return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  } finally {
    model.dispose();
  }
}
