import { checkSampleWeights, checkVectorLength, outputVector, type Distribution, type DistributionState, type RandomSource } from '@asng/core/base';

/** Bounds of one Gaussian-searched variable. */
export interface GaussianBounds {
  /** Lower bound of the mean (and of decoded values). */
  readonly min: number;
  /** Upper bound of the mean (`> min`). */
  readonly max: number;
  /**
   * Smallest standard deviation. @default 0.25 (the paper's value for integers)
   */
  readonly minStd?: number;
}

/** Options of {@link GaussianDistribution}. */
export interface GaussianDistributionOptions {
  /** Initial means. @default the middle of each range */
  readonly mean?: readonly number[];
  /** Initial standard deviations. @default half of each range */
  readonly std?: readonly number[];
}

/** Serialised state of a {@link GaussianDistribution}. */
export interface GaussianDistributionState extends DistributionState {
  readonly kind: 'gaussian';
  /** `E[x]` of each variable. */
  readonly mean: readonly number[];
  /** `E[x^2]` of each variable. */
  readonly secondMoment: readonly number[];
}

/**
 * Independent Gaussians over `d` integer or continuous variables, in the
 * expectation parameters of the paper: `theta = (m, m^2 + sigma^2)` per
 * variable, `T(x) = (x, x^2)`. Sampling is mirrored (`m + sigma z` and
 * `m - sigma z` in pairs). The range restriction keeps `m` in `[min, max]` and
 * `sigma` in `[minStd, (max - min) / 2]`.
 *
 * Layout of `theta`, `T(x)`, gradients and of the Fisher-normalised vector:
 * first the `d` first moments, then the `d` second moments (the rows
 * `[E[x], E[x^2]]` of the reference code, flattened).
 *
 * A sample is a `Float64Array` of real draws; integer variables are decoded by
 * rounding and clipping ({@link decodeInteger}), but the distribution learns
 * from the real draw.
 */
export class GaussianDistribution implements Distribution<Float64Array> {
  /** Number of variables. */
  readonly size: number;
  readonly freeParameters: number;
  readonly thetaLength: number;
  /** The bounds of each variable. */
  readonly bounds: readonly Required<GaussianBounds>[];
  private readonly m: Float64Array;
  private readonly m2: Float64Array;

  constructor(bounds: readonly GaussianBounds[], options: GaussianDistributionOptions = {}) {
    if (!Array.isArray(bounds) || bounds.length === 0) {
      throw new TypeError('GaussianDistribution: bounds must be a non-empty array of {min, max}');
    }
    this.bounds = bounds.map((b, i) => {
      if (!Number.isFinite(b?.min) || !Number.isFinite(b?.max) || !(b.max > b.min)) {
        throw new TypeError(`GaussianDistribution: bounds[${i}] must have finite min < max, got ${JSON.stringify(b)}`);
      }
      const minStd = b.minStd ?? 0.25;
      if (!(minStd > 0 && minStd <= (b.max - b.min) / 2)) {
        throw new TypeError(`GaussianDistribution: bounds[${i}].minStd must be in (0, ${(b.max - b.min) / 2}], got ${minStd}`);
      }
      return { min: b.min, max: b.max, minStd };
    });
    this.size = bounds.length;
    this.freeParameters = 2 * this.size;
    this.thetaLength = 2 * this.size;
    const mean = checkVector(options.mean, this.size, 'options.mean') ?? this.bounds.map((b) => (b.min + b.max) / 2);
    const std = checkVector(options.std, this.size, 'options.std') ?? this.bounds.map((b) => (b.max - b.min) / 2);
    std.forEach((s, i) => {
      if (!(s > 0)) throw new TypeError(`GaussianDistribution: options.std[${i}] must be positive, got ${s}`);
    });
    this.m = Float64Array.from(mean);
    this.m2 = Float64Array.from(mean, (mu, i) => mu * mu + std[i]! * std[i]!);
  }

  /** The means (a copy). */
  mean(): Float64Array {
    return this.m.slice();
  }

  /** The standard deviations. */
  std(): Float64Array {
    return Float64Array.from(this.m, (mu, i) => Math.sqrt(Math.max(this.m2[i]! - mu * mu, 0)));
  }

  theta(): Float64Array {
    const t = new Float64Array(this.thetaLength);
    t.set(this.m, 0);
    t.set(this.m2, this.size);
    return t;
  }

  sample(count: number, rng: RandomSource): Float64Array[] {
    const sd = this.std();
    const out: Float64Array[] = [];
    for (let n = 0; n < count; n += 2) {
      const plus = new Float64Array(this.size);
      const minus = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) {
        const z = rng.normal();
        plus[i] = this.m[i]! + sd[i]! * z;
        minus[i] = this.m[i]! - sd[i]! * z;
      }
      out.push(plus);
      if (n + 1 < count) out.push(minus);
    }
    return out;
  }

  mostLikely(): Float64Array {
    return this.m.slice();
  }

  sufficientStatistics(x: Float64Array): Float64Array {
    this.checkSample(x);
    const t = new Float64Array(this.thetaLength);
    for (let i = 0; i < this.size; i++) {
      t[i] = x[i]!;
      t[this.size + i] = x[i]! * x[i]!;
    }
    return t;
  }

  naturalGradient(samples: readonly Float64Array[], weights: ArrayLike<number>, out?: Float64Array): Float64Array {
    const n = samples.length;
    checkSampleWeights(n, weights, 'GaussianDistribution.naturalGradient');
    const g = outputVector(out, this.thetaLength, 'GaussianDistribution.naturalGradient');
    for (let s = 0; s < n; s++) {
      const x = samples[s]!;
      this.checkSample(x);
      const w = weights[s]!;
      for (let i = 0; i < this.size; i++) {
        g[i]! += w * (x[i]! - this.m[i]!);
        g[this.size + i]! += w * (x[i]! * x[i]! - this.m2[i]!);
      }
    }
    for (let j = 0; j < g.length; j++) g[j]! /= n;
    return g;
  }

  /**
   * `sqrt(F) g` per variable, in closed form: the inverse Fisher matrix in
   * `(m, m^2 + sigma^2)` coordinates is `sigma^2 [[1, b], [b, c]]` with
   * `b = 2m`, `c = 4m^2 + 2 sigma^2`; `g` is projected on its eigenvectors and
   * divided by the square roots of the eigenvalues.
   */
  fisherSqrt(g: Float64Array, into?: Float64Array): Float64Array {
    checkVectorLength(g, this.thetaLength, 'GaussianDistribution.fisherSqrt');
    const out = outputVector(into, this.freeParameters, 'GaussianDistribution.fisherSqrt');
    const d = this.size;
    for (let i = 0; i < d; i++) {
      const mu = this.m[i]!;
      const variance = this.m2[i]! - mu * mu;
      const b = 2 * mu;
      const c = 4 * mu * mu + 2 * variance;
      const g1 = g[i]!;
      const g2 = g[d + i]!;
      if (Math.abs(b) < 1e-8) {
        // Diagonal inverse Fisher sigma^2 diag(1, c): the axes are the eigenvectors.
        // (The reference pairs the larger eigenvalue with the first axis here, which is wrong when c > 1.)
        out[i] = g1 / Math.sqrt(variance);
        out[d + i] = g2 / Math.sqrt(c * variance);
        continue;
      }
      const root = Math.sqrt((1 - c) * (1 - c) + 4 * b * b);
      const l1 = (1 + c + root) / 2;
      // l1 * l2 = det = c - b^2 = 2 sigma^2: this form avoids the cancellation of (1 + c - root) / 2.
      const l2 = (2 * variance) / l1;
      // Eigenvectors of [[1, b], [b, c]]: (1, (l - 1) / b), normalised.
      const n1 = Math.hypot(1, (l1 - 1) / b);
      const n2 = Math.hypot(1, (l2 - 1) / b);
      const v1x = 1 / n1;
      const v1y = (l1 - 1) / b / n1;
      const v2x = 1 / n2;
      const v2y = (l2 - 1) / b / n2;
      const p1 = (v1x * g1 + v1y * g2) / Math.sqrt(l1 * variance);
      const p2 = (v2x * g1 + v2y * g2) / Math.sqrt(l2 * variance);
      out[i] = v1x * p1 + v2x * p2;
      out[d + i] = v1y * p1 + v2y * p2;
    }
    return out;
  }

  step(g: Float64Array, epsilon: number): void {
    checkVectorLength(g, this.thetaLength, 'GaussianDistribution.step');
    for (let i = 0; i < this.size; i++) {
      this.m[i]! += epsilon * g[i]!;
      this.m2[i]! += epsilon * g[this.size + i]!;
    }
  }

  restrictRange(): void {
    for (let i = 0; i < this.size; i++) {
      const { min, max, minStd } = this.bounds[i]!;
      const maxStd = (max - min) / 2;
      const mu = Math.min(Math.max(this.m[i]!, min), max);
      this.m[i] = mu;
      this.m2[i] = Math.min(Math.max(this.m2[i]!, mu * mu + minStd * minStd), mu * mu + maxStd * maxStd);
    }
  }

  getState(): GaussianDistributionState {
    return { kind: 'gaussian', mean: Array.from(this.m), secondMoment: Array.from(this.m2) };
  }

  setState(state: DistributionState): void {
    if (state?.kind !== 'gaussian') {
      throw new TypeError(`GaussianDistribution.setState: expected kind 'gaussian', got ${JSON.stringify(state?.kind)}`);
    }
    const mean = checkVector(state.mean as readonly number[], this.size, 'state.mean');
    const second = checkVector(state.secondMoment as readonly number[], this.size, 'state.secondMoment');
    if (mean === undefined || second === undefined) {
      throw new TypeError(`GaussianDistribution.setState: 'mean' and 'secondMoment' must be arrays of ${this.size} numbers`);
    }
    second.forEach((s, i) => {
      if (!(s - mean[i]! * mean[i]! >= 0)) {
        throw new TypeError(`GaussianDistribution.setState: secondMoment[${i}] must be at least mean[${i}]^2, got ${s} < ${mean[i]! ** 2}`);
      }
    });
    this.m.set(mean);
    this.m2.set(second);
  }

  private checkSample(x: Float64Array): void {
    if (x.length !== this.size) {
      throw new RangeError(`GaussianDistribution: a sample must have ${this.size} entries, got ${x.length}`);
    }
  }
}

/** Decodes a real draw into an integer variable's value: rounded, then clipped to `[min, max]`. */
export function decodeInteger(x: number, min: number, max: number): number {
  return Math.min(Math.max(Math.round(x), min), max);
}

/** Decodes a real draw into a continuous variable's value: clipped to `[min, max]`. */
export function decodeContinuous(x: number, min: number, max: number): number {
  return Math.min(Math.max(x, min), max);
}

function checkVector(v: readonly number[] | undefined, length: number, where: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== length) {
    throw new TypeError(`GaussianDistribution: ${where} must be an array of ${length} numbers`);
  }
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new TypeError(`GaussianDistribution: ${where}[${i}] must be a finite number, got ${String(x)}`);
    }
  });
  return [...v];
}
