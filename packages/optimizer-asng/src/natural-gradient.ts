import type { Distribution, DistributionState } from '@asng/core/base';
import { rankingUtility } from './ranking-utility.js';

/** Options shared by {@link AdaptiveSng} and {@link Sng}. */
export interface NaturalGradientOptions {
  /** Samples drawn per update (lambda); any integer `>= 2`. @default 2 */
  readonly lambda?: number;
  /** Fraction rewarded by the ranking utility. @default 0.25 */
  readonly rho?: number;
  /**
   * Constant added to the Fisher norm before dividing by it.
   * @default 0 for ASNG (updates with a vanishing gradient are skipped instead), 1e-8 for SNG (as in the reference)
   */
  readonly fisherNormGuard?: number;
}

/** Options of {@link AdaptiveSng}. */
export interface AdaptiveSngOptions extends NaturalGradientOptions {
  /** Signal-to-noise threshold `alpha`: above it steps grow, below it they shrink. @default 1.5 */
  readonly alpha?: number;
  /** `delta_0`: the step size is `delta = delta_0 / Delta`. @default 1 */
  readonly initialDelta?: number;
  /** Upper bound of `Delta` (a lower bound of the step size). @default Infinity */
  readonly maxDelta?: number;
}

/** Options of {@link Sng}. */
export interface SngOptions extends NaturalGradientOptions {
  /** The fixed trust-region radius: every step moves `theta` by `delta` in Fisher norm. @default 1 */
  readonly delta?: number;
}

/** What one update did. */
export interface UpdateReport {
  /** Whether `theta` moved. */
  readonly updated: boolean;
  /** Why not, when it did not: every utility zero (all losses tied), or a vanishing gradient. */
  readonly skipped?: 'ties' | 'vanishing-gradient';
  /** Utility of each sample, in the order given. */
  readonly utilities: Float64Array;
  /** The trust-region radius used. */
  readonly delta: number;
  /** The step taken along the natural gradient, `delta / ||g||_F` (0 when skipped). */
  readonly epsilon: number;
  /** The Fisher norm of the natural gradient (0 when skipped). */
  readonly fisherNorm: number;
}

/** Serialised state of {@link AdaptiveSng}. */
export interface AdaptiveSngState {
  readonly kind: 'asng';
  /** Evolution path of the normalised natural gradient. */
  readonly s: readonly number[];
  readonly gamma: number;
  readonly Delta: number;
  /** The step of the last update. */
  readonly epsilon: number;
  readonly distribution: DistributionState;
}

/** Serialised state of {@link Sng}. */
export interface SngState {
  readonly kind: 'sng';
  /** The step of the last update. */
  readonly epsilon: number;
  readonly distribution: DistributionState;
}

/** Work vectors reused by every update: allocating them costs more than the arithmetic. */
interface Scratch {
  readonly gradient: Float64Array;
  readonly fisher: Float64Array;
}

function scratchFor(distribution: Distribution<unknown>): Scratch {
  return { gradient: new Float64Array(distribution.thetaLength), fisher: new Float64Array(distribution.freeParameters) };
}

interface NaturalStep {
  readonly report: UpdateReport;
  /** `sqrt(F) g`, when the update happened. */
  readonly fisherVector?: Float64Array;
}

function checkPositiveInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
}

function checkPositive(name: string, value: number, allowInfinity = false): void {
  if (!(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(`${name} must be a positive${allowInfinity ? '' : ' finite'} number, got ${String(value)}`);
  }
}

/**
 * One stochastic natural-gradient step of `distribution` with trust region
 * `delta`: utilities from the ranking of `losses`, the natural gradient `g`,
 * `epsilon = delta / (||g||_F + guard)`, `theta += epsilon g`, then the range
 * restriction.
 */
function naturalStep<X>(
  distribution: Distribution<X>,
  samples: readonly X[],
  losses: ArrayLike<number>,
  delta: number,
  rho: number,
  guard: number,
  who: string,
  scratch: Scratch,
): NaturalStep {
  if (samples.length !== losses.length) {
    throw new RangeError(`${who}.update: got ${samples.length} samples but ${losses.length} losses`);
  }
  if (samples.length < 2) throw new RangeError(`${who}.update: needs at least 2 samples, got ${samples.length}`);
  const { utilities } = rankingUtility(losses, { rho });
  const skipped = (reason: 'ties' | 'vanishing-gradient'): NaturalStep => ({
    report: { updated: false, skipped: reason, utilities, delta, epsilon: 0, fisherNorm: 0 },
  });
  let anyUtility = false;
  for (let i = 0; i < utilities.length; i++) if (utilities[i] !== 0) anyUtility = true;
  if (!anyUtility) return skipped('ties');
  const g = distribution.naturalGradient(samples, utilities, scratch.gradient);
  let largest = 0;
  for (let i = 0; i < g.length; i++) largest = Math.max(largest, Math.abs(g[i]!));
  if (largest < 1e-18) return skipped('vanishing-gradient');
  const fisherVector = distribution.fisherSqrt(g, scratch.fisher);
  let squared = 0;
  for (let i = 0; i < fisherVector.length; i++) squared += fisherVector[i]! * fisherVector[i]!;
  const fisherNorm = Math.sqrt(squared);
  const epsilon = delta / (fisherNorm + guard);
  distribution.step(g, epsilon);
  distribution.restrictRange();
  return { report: { updated: true, utilities, delta, epsilon, fisherNorm }, fisherVector };
}

/**
 * The Adaptive Stochastic Natural Gradient method (Akimoto et al., ICML 2019)
 * over any {@link Distribution}: categorical, Gaussian, or a
 * `ProductDistribution` of both. Every update moves the distribution by a
 * trust region `delta = delta_0 / Delta` in KL terms, and `Delta` adapts to
 * the signal-to-noise ratio of the natural gradient, so no step size needs
 * tuning. Framework-free `Float64Array` maths; samples are drawn by the caller
 * with an injected RNG (`distribution.sample(lambda, rng)`).
 *
 * @example
 * ```ts
 * const asng = new AdaptiveSng(new CategoricalDistribution([3, 5, 2]));
 * const samples = asng.distribution.sample(asng.lambda, rng);
 * asng.update(samples, samples.map(evaluate));
 * ```
 */
export class AdaptiveSng<X> {
  /** The search distribution, updated in place. */
  readonly distribution: Distribution<X>;
  /** Default number of samples per update. */
  readonly lambda: number;
  readonly alpha: number;
  readonly initialDelta: number;
  readonly maxDelta: number;
  readonly rho: number;
  readonly fisherNormGuard: number;
  /** `N`, the number of free parameters. */
  readonly dimension: number;
  private s: Float64Array;
  private gammaValue = 0;
  private DeltaValue = 1;
  private lastEpsilon = 0;
  private readonly scratch: Scratch;

  constructor(distribution: Distribution<X>, options: AdaptiveSngOptions = {}) {
    this.distribution = distribution;
    this.lambda = options.lambda ?? 2;
    this.alpha = options.alpha ?? 1.5;
    this.initialDelta = options.initialDelta ?? 1;
    this.maxDelta = options.maxDelta ?? Infinity;
    this.rho = options.rho ?? 0.25;
    this.fisherNormGuard = options.fisherNormGuard ?? 0;
    checkPositiveInteger('AdaptiveSng: lambda', this.lambda, 2);
    checkPositive('AdaptiveSng: alpha', this.alpha);
    checkPositive('AdaptiveSng: initialDelta', this.initialDelta);
    checkPositive('AdaptiveSng: maxDelta', this.maxDelta, true);
    if (this.maxDelta < 1) throw new RangeError(`AdaptiveSng: maxDelta must be >= 1 (Delta starts at 1), got ${this.maxDelta}`);
    if (!(this.fisherNormGuard >= 0)) throw new RangeError(`AdaptiveSng: fisherNormGuard must be >= 0, got ${this.fisherNormGuard}`);
    this.dimension = distribution.freeParameters;
    if (this.dimension < 1) throw new RangeError('AdaptiveSng: the distribution has no free parameter (every variable is fixed)');
    this.s = new Float64Array(this.dimension);
    this.scratch = scratchFor(distribution);
  }

  /** The trust-region radius the next update will use, `delta_0 / Delta`. */
  get delta(): number {
    return this.initialDelta / this.DeltaValue;
  }

  /** The adaptive factor `Delta` (starts at 1). */
  get Delta(): number {
    return this.DeltaValue;
  }

  /** The normalisation factor of the evolution path. */
  get gamma(): number {
    return this.gammaValue;
  }

  /** The evolution path `s` (a copy). */
  path(): Float64Array {
    return this.s.slice();
  }

  /** The step `epsilon` of the last update (0 before the first or after a skipped one). */
  get epsilon(): number {
    return this.lastEpsilon;
  }

  /** The estimated signal-to-noise ratio `||s||^2 / alpha` compared with `gamma` by the adaptation. */
  snr(): number {
    let sq = 0;
    for (const v of this.s) sq += v * v;
    return sq / this.alpha;
  }

  /**
   * Updates the distribution from samples and their losses (lower is
   * better). Skipped, with nothing changed, when every utility is zero (all
   * losses tied) or the natural gradient vanishes.
   */
  update(samples: readonly X[], losses: ArrayLike<number>): UpdateReport {
    const delta = this.delta;
    const beta = delta / Math.sqrt(this.dimension);
    const { report, fisherVector } = naturalStep(this.distribution, samples, losses, delta, this.rho, this.fisherNormGuard, 'AdaptiveSng', this.scratch);
    this.lastEpsilon = report.epsilon;
    if (fisherVector === undefined) return report;
    const decay = 1 - beta;
    const gain = Math.sqrt(beta * (2 - beta)) / report.fisherNorm;
    let sq = 0;
    for (let i = 0; i < this.s.length; i++) {
      const v = decay * this.s[i]! + gain * fisherVector[i]!;
      this.s[i] = v;
      sq += v * v;
    }
    this.gammaValue = decay * decay * this.gammaValue + beta * (2 - beta);
    this.DeltaValue = Math.min(this.maxDelta, this.DeltaValue * Math.exp(beta * (this.gammaValue - sq / this.alpha)));
    return report;
  }

  getState(): AdaptiveSngState {
    return {
      kind: 'asng',
      s: Array.from(this.s),
      gamma: this.gammaValue,
      Delta: this.DeltaValue,
      epsilon: this.lastEpsilon,
      distribution: this.distribution.getState(),
    };
  }

  /** Restores {@link AdaptiveSng.getState}; throws a `TypeError` naming the bad field and changes nothing then. */
  setState(state: AdaptiveSngState): void {
    if (state?.kind !== 'asng') throw new TypeError(`AdaptiveSng.setState: expected kind 'asng', got ${JSON.stringify(state?.kind)}`);
    if (!Array.isArray(state.s) || state.s.length !== this.dimension || !state.s.every(Number.isFinite)) {
      throw new TypeError(`AdaptiveSng.setState: 's' must be an array of ${this.dimension} finite numbers`);
    }
    if (!(Number.isFinite(state.gamma) && state.gamma >= 0))
      throw new TypeError(`AdaptiveSng.setState: 'gamma' must be a finite number >= 0, got ${String(state.gamma)}`);
    if (!(state.Delta > 0 && state.Delta <= this.maxDelta)) {
      throw new TypeError(`AdaptiveSng.setState: 'Delta' must be in (0, ${this.maxDelta}], got ${String(state.Delta)}`);
    }
    if (!(Number.isFinite(state.epsilon) && state.epsilon >= 0))
      throw new TypeError(`AdaptiveSng.setState: 'epsilon' must be a finite number >= 0, got ${String(state.epsilon)}`);
    this.distribution.setState(state.distribution);
    this.s = Float64Array.from(state.s);
    this.gammaValue = state.gamma;
    this.DeltaValue = state.Delta;
    this.lastEpsilon = state.epsilon;
  }
}

/**
 * Plain stochastic natural gradient with a fixed trust region: the baseline
 * the paper compares ASNG with. Each update moves `theta` by `delta` in Fisher
 * norm, `epsilon = delta / (||g||_F + guard)`.
 */
export class Sng<X> {
  /** The search distribution, updated in place. */
  readonly distribution: Distribution<X>;
  /** Default number of samples per update. */
  readonly lambda: number;
  /** The fixed trust-region radius. */
  readonly delta: number;
  readonly rho: number;
  readonly fisherNormGuard: number;
  private lastEpsilon = 0;
  private readonly scratch: Scratch;

  constructor(distribution: Distribution<X>, options: SngOptions = {}) {
    this.distribution = distribution;
    this.lambda = options.lambda ?? 2;
    this.delta = options.delta ?? 1;
    this.rho = options.rho ?? 0.25;
    this.fisherNormGuard = options.fisherNormGuard ?? 1e-8;
    checkPositiveInteger('Sng: lambda', this.lambda, 2);
    checkPositive('Sng: delta', this.delta);
    if (!(this.fisherNormGuard >= 0)) throw new RangeError(`Sng: fisherNormGuard must be >= 0, got ${this.fisherNormGuard}`);
    this.scratch = scratchFor(distribution);
  }

  /** The step `epsilon` of the last update. */
  get epsilon(): number {
    return this.lastEpsilon;
  }

  /** Updates the distribution from samples and their losses (lower is better). */
  update(samples: readonly X[], losses: ArrayLike<number>): UpdateReport {
    const { report } = naturalStep(this.distribution, samples, losses, this.delta, this.rho, this.fisherNormGuard, 'Sng', this.scratch);
    this.lastEpsilon = report.epsilon;
    return report;
  }

  getState(): SngState {
    return { kind: 'sng', epsilon: this.lastEpsilon, distribution: this.distribution.getState() };
  }

  /** Restores {@link Sng.getState}; throws a `TypeError` naming the bad field and changes nothing then. */
  setState(state: SngState): void {
    if (state?.kind !== 'sng') throw new TypeError(`Sng.setState: expected kind 'sng', got ${JSON.stringify(state?.kind)}`);
    if (!(Number.isFinite(state.epsilon) && state.epsilon >= 0))
      throw new TypeError(`Sng.setState: 'epsilon' must be a finite number >= 0, got ${String(state.epsilon)}`);
    this.distribution.setState(state.distribution);
    this.lastEpsilon = state.epsilon;
  }
}
