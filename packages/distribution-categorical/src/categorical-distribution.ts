import { checkSampleWeights, checkVectorLength, outputVector, type Distribution, type DistributionState, type RandomSource } from '@asng/core/base';

/** Options of {@link CategoricalDistribution}. */
export interface CategoricalDistributionOptions {
  /**
   * Initial probabilities, one row per variable (`theta[i][j]` = probability of
   * choice `j` of variable `i`); each row has exactly `categories[i]` entries
   * summing to 1. @default uniform
   */
  readonly theta?: readonly (readonly number[])[];
  /**
   * Whether {@link CategoricalDistribution.restrictRange} keeps every
   * probability above {@link CategoricalDistribution.minProbability}, so the
   * search never stops exploring. @default true
   */
  readonly rangeRestriction?: boolean;
  /**
   * Lower bound of each probability of a variable with `K > 1` choices, given
   * `validVariables` (the number of variables with `K > 1`).
   * @default the paper's `1 / (validVariables * (K - 1))`, or `1 / (2K)` where
   * that bound would leave no room to learn (`K * bound >= 1`, which happens
   * with one or two variables only).
   */
  readonly minProbability?: (validVariables: number, categories: number) => number;
}

/** Serialised state of a {@link CategoricalDistribution}. */
export interface CategoricalDistributionState extends DistributionState {
  readonly kind: 'categorical';
  /** Number of choices of each variable. */
  readonly categories: readonly number[];
  /** Probabilities, one row per variable. */
  readonly theta: readonly (readonly number[])[];
}

/**
 * The paper's default lower bound on each probability, made safe for tiny
 * spaces (see {@link CategoricalDistributionOptions.minProbability}).
 */
export function defaultMinProbability(validVariables: number, categories: number): number {
  if (categories <= 1) return 0;
  const paper = 1 / (validVariables * (categories - 1));
  return paper * categories < 1 ? paper : 1 / (2 * categories);
}

/**
 * Independent categorical distributions over `d` variables, variable `i`
 * having `categories[i]` choices (any number, including 1), in expectation
 * parameters: `theta` holds every probability, `T(x)` is the one-hot encoding,
 * and only the first `K - 1` probabilities of each variable are free.
 *
 * A sample is an `Int32Array` of the chosen index of each variable: no one-hot
 * padding. `theta`, `T(x)` and gradients are laid out variable after variable,
 * `categories[i]` entries each (no padding either).
 *
 * @example
 * ```ts
 * const dist = new CategoricalDistribution([2, 5, 3]);
 * const [a, b] = dist.sample(2, new Rng(1)); // Int32Array(3) each
 * ```
 */
export class CategoricalDistribution implements Distribution<Int32Array> {
  /** Number of choices of each variable. */
  readonly categories: readonly number[];
  readonly freeParameters: number;
  readonly thetaLength: number;
  /** Start of each variable's probabilities in `theta`. */
  readonly offsets: Int32Array;
  /** Number of variables with more than one choice. */
  readonly validVariables: number;
  private readonly rangeRestriction: boolean;
  private readonly minProbabilities: Float64Array;
  private readonly th: Float64Array;
  private readonly k: Int32Array;

  constructor(categories: readonly number[], options: CategoricalDistributionOptions = {}) {
    if (!Array.isArray(categories) || categories.length === 0) {
      throw new TypeError('CategoricalDistribution: categories must be a non-empty array of positive integers');
    }
    categories.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 1) {
        throw new TypeError(`CategoricalDistribution: categories[${i}] must be a positive integer, got ${String(k)}`);
      }
    });
    this.categories = [...categories];
    this.k = Int32Array.from(categories);
    this.offsets = new Int32Array(categories.length);
    let offset = 0;
    categories.forEach((k, i) => {
      this.offsets[i] = offset;
      offset += k;
    });
    this.thetaLength = offset;
    this.freeParameters = offset - categories.length;
    this.validVariables = categories.filter((k) => k > 1).length;
    this.rangeRestriction = options.rangeRestriction ?? true;
    const minOf = options.minProbability ?? defaultMinProbability;
    this.minProbabilities = Float64Array.from(categories, (k, i) => {
      if (!this.rangeRestriction || k === 1) return 0;
      const m = minOf(this.validVariables, k);
      if (!(m >= 0 && m * k <= 1)) {
        throw new RangeError(`CategoricalDistribution: minProbability for variable ${i} (K=${k}) must be in [0, 1/K], got ${m}`);
      }
      return m;
    });
    this.th = new Float64Array(offset);
    if (options.theta === undefined) {
      categories.forEach((k, i) => this.th.fill(1 / k, this.offsets[i], this.offsets[i]! + k));
    } else {
      this.th.set(this.checkTheta(options.theta, 'options.theta'));
    }
  }

  /** Lower bound of the probabilities of variable `i` under range restriction. */
  minProbability(i: number): number {
    return this.minProbabilities[i] ?? 0;
  }

  theta(): Float64Array {
    return this.th.slice();
  }

  /** The probabilities of variable `i` (a copy). */
  probabilities(i: number): Float64Array {
    const k = this.categories[i];
    if (k === undefined) throw new RangeError(`CategoricalDistribution.probabilities: no variable ${i}`);
    return this.th.slice(this.offsets[i], this.offsets[i]! + k);
  }

  sample(count: number, rng: RandomSource): Int32Array[] {
    const d = this.k.length;
    const th = this.th;
    const offsets = this.offsets;
    const ks = this.k;
    const out: Int32Array[] = [];
    for (let n = 0; n < count; n++) {
      const x = new Int32Array(d);
      for (let i = 0; i < d; i++) {
        const start = offsets[i]!;
        const last = start + ks[i]! - 1;
        // 32 random bits are plenty to pick among a handful of choices, at half the cost of uniform().
        const u = rng.uint32() * 2.3283064365386963e-10;
        let cumulative = th[start]!;
        let j = start;
        while (u >= cumulative && j < last) cumulative += th[++j]!;
        // Rounding can leave the total just below 1, and u above it: the last
        // choice with a positive probability takes the remainder.
        while (th[j] === 0 && j > start) j--;
        x[i] = j - start;
      }
      out.push(x);
    }
    return out;
  }

  mostLikely(): Int32Array {
    return Int32Array.from(this.categories, (k, i) => {
      const start = this.offsets[i]!;
      let best = 0;
      for (let j = 1; j < k; j++) if (this.th[start + j]! > this.th[start + best]!) best = j;
      return best;
    });
  }

  sufficientStatistics(x: Int32Array): Float64Array {
    this.checkSample(x);
    const t = new Float64Array(this.thetaLength);
    for (let i = 0; i < x.length; i++) t[this.offsets[i]! + x[i]!] = 1;
    return t;
  }

  naturalGradient(samples: readonly Int32Array[], weights: ArrayLike<number>, out?: Float64Array): Float64Array {
    const n = samples.length;
    checkSampleWeights(n, weights, 'CategoricalDistribution.naturalGradient');
    const g = outputVector(out, this.thetaLength, 'CategoricalDistribution.naturalGradient');
    let weightSum = 0;
    for (let s = 0; s < n; s++) {
      const x = samples[s]!;
      this.checkSample(x);
      const w = weights[s]!;
      weightSum += w;
      for (let i = 0; i < x.length; i++) g[this.offsets[i]! + x[i]!]! += w;
    }
    const inverse = 1 / n;
    for (let j = 0; j < g.length; j++) g[j] = (g[j]! - weightSum * this.th[j]!) * inverse;
    return g;
  }

  fisherSqrt(g: Float64Array, into?: Float64Array): Float64Array {
    checkVectorLength(g, this.thetaLength, 'CategoricalDistribution.fisherSqrt');
    const out = outputVector(into, this.freeParameters, 'CategoricalDistribution.fisherSqrt');
    const th = this.th;
    let o = 0;
    for (let i = 0; i < this.k.length; i++) {
      const k = this.k[i]!;
      const start = this.offsets[i]!;
      const thetaK = th[start + k - 1]!;
      let sum = 0;
      for (let j = 0; j < k - 1; j++) sum += g[start + j]!;
      const tail = sum / (thetaK + Math.sqrt(thetaK));
      for (let j = 0; j < k - 1; j++) {
        const r = Math.sqrt(th[start + j]!);
        out[o++] = g[start + j]! / r + r * tail;
      }
    }
    return out;
  }

  step(g: Float64Array, epsilon: number): void {
    checkVectorLength(g, this.thetaLength, 'CategoricalDistribution.step');
    for (let j = 0; j < this.th.length; j++) this.th[j]! += epsilon * g[j]!;
  }

  restrictRange(): void {
    const th = this.th;
    for (let i = 0; i < this.k.length; i++) {
      const k = this.k[i]!;
      const start = this.offsets[i]!;
      const end = start + k;
      const lo = this.minProbabilities[i]!;
      let sum = 0;
      for (let j = start; j < end; j++) {
        if (th[j]! < lo) th[j] = lo;
        sum += th[j]!;
      }
      // Takes the excess mass back from each probability in proportion to its
      // distance from the bound, so none falls below it.
      const room = sum - lo * k;
      if (room > 0) {
        const factor = (sum - 1) / room;
        for (let j = start; j < end; j++) th[j]! -= factor * (th[j]! - lo);
      }
      let total = 0;
      for (let j = start; j < end; j++) total += th[j]!;
      const scale = 1 / total;
      for (let j = start; j < end; j++) th[j]! *= scale;
    }
  }

  getState(): CategoricalDistributionState {
    return {
      kind: 'categorical',
      categories: [...this.categories],
      theta: this.categories.map((_, i) => Array.from(this.probabilities(i))),
    };
  }

  setState(state: DistributionState): void {
    if (state?.kind !== 'categorical') {
      throw new TypeError(`CategoricalDistribution.setState: expected kind 'categorical', got ${JSON.stringify(state?.kind)}`);
    }
    const categories = state.categories;
    if (!Array.isArray(categories) || categories.length !== this.categories.length || categories.some((k, i) => k !== this.categories[i])) {
      throw new TypeError(`CategoricalDistribution.setState: 'categories' must be ${JSON.stringify(this.categories)}, got ${JSON.stringify(categories)}`);
    }
    this.th.set(this.checkTheta(state.theta as readonly (readonly number[])[], 'state.theta'));
  }

  private checkTheta(theta: readonly (readonly number[])[], where: string): Float64Array {
    if (!Array.isArray(theta) || theta.length !== this.categories.length) {
      throw new TypeError(`CategoricalDistribution: ${where} must have one row per variable (${this.categories.length})`);
    }
    const out = new Float64Array(this.thetaLength);
    theta.forEach((row, i) => {
      const k = this.categories[i]!;
      if (!Array.isArray(row) || row.length !== k) {
        throw new TypeError(`CategoricalDistribution: ${where}[${i}] must have ${k} probabilities, got ${Array.isArray(row) ? row.length : typeof row}`);
      }
      let sum = 0;
      row.forEach((p, j) => {
        if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
          throw new TypeError(`CategoricalDistribution: ${where}[${i}][${j}] must be a probability in [0, 1], got ${String(p)}`);
        }
        sum += p;
        out[this.offsets[i]! + j] = p;
      });
      if (Math.abs(sum - 1) > 1e-9) {
        throw new TypeError(`CategoricalDistribution: ${where}[${i}] must sum to 1, got ${sum}`);
      }
    });
    return out;
  }

  private checkSample(x: Int32Array): void {
    if (x.length !== this.categories.length) {
      throw new RangeError(`CategoricalDistribution: a sample must have ${this.categories.length} entries, got ${x.length}`);
    }
    const k = this.k;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (v < 0 || v >= k[i]!) {
        throw new RangeError(`CategoricalDistribution: sample entry ${i} must be in [0, ${k[i]! - 1}], got ${v}`);
      }
    }
  }
}
