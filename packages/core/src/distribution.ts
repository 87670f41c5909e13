import type { RandomSource } from './rng.js';

/** Plain-JSON state of a distribution, enough to restore it exactly. */
export interface DistributionState {
  /** Which implementation wrote the state, for example `'categorical'`. */
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * A search distribution of the exponential family, written in its expectation
 * parameters `theta = E[T(x)]`, as the ASNG method needs it. Implementations
 * are plain `Float64Array` maths with no tfjs dependency.
 *
 * Layout conventions: `theta`, `T(x)` and natural gradients share one layout
 * of length {@link Distribution.thetaLength}; the Fisher-normalised vector has
 * one entry per free parameter ({@link Distribution.freeParameters}).
 *
 * @typeParam X - the type of one sample (for example `Int32Array` of chosen
 * indices for a categorical distribution).
 */
export interface Distribution<X> {
  /** Number of free parameters: the dimension `N` that the ASNG step size scales with. */
  readonly freeParameters: number;
  /** Length of `theta` and of `T(x)`. */
  readonly thetaLength: number;
  /** The current expectation parameters (a copy). */
  theta(): Float64Array;
  /** Draws `count` samples. Implementations may correlate them (mirrored sampling). */
  sample(count: number, rng: RandomSource): X[];
  /** The most likely sample (the mode). */
  mostLikely(): X;
  /** The sufficient statistics `T(x)`, in the layout of `theta`. */
  sufficientStatistics(x: X): Float64Array;
  /**
   * The natural-gradient estimate `g = (1/n) * sum_k w_k (T(x_k) - theta)`
   * from `n` samples and their weights (utilities), in the layout of `theta`.
   * Written into `out` (of length `thetaLength`) when given, which saves an
   * allocation in hot loops.
   */
  naturalGradient(samples: readonly X[], weights: ArrayLike<number>, out?: Float64Array): Float64Array;
  /**
   * `sqrt(F(theta)) g` over the free parameters, where `F` is the Fisher
   * information: its Euclidean norm is the Fisher norm of `g`. Written into
   * `out` (of length `freeParameters`) when given.
   */
  fisherSqrt(g: Float64Array, out?: Float64Array): Float64Array;
  /** Moves the parameters: `theta += epsilon * g`. */
  step(g: Float64Array, epsilon: number): void;
  /** Projects `theta` back into its allowed region (the range restriction that keeps exploring). */
  restrictRange(): void;
  /** Plain-JSON state. */
  getState(): DistributionState;
  /** Restores a state returned by {@link Distribution.getState}; throws a `TypeError` naming the bad field. */
  setState(state: DistributionState): void;
}

/** The sample type of a {@link Distribution}. */
export type SampleOf<D> = D extends Distribution<infer X> ? X : never;

type SampleRecord<B extends Record<string, Distribution<unknown>>> = { [K in keyof B]: SampleOf<B[K]> };

/**
 * The product of independent distributions, itself a {@link Distribution}:
 * `theta`, natural gradients and Fisher-normalised vectors are the
 * concatenations of the blocks' in the key order of `blocks`. This is how one
 * optimizer searches categorical and Gaussian variables together.
 *
 * @example
 * ```ts
 * const joint = new ProductDistribution({ categorical: cat, gaussian: gauss });
 * const [x] = joint.sample(1, rng); // { categorical: Int32Array, gaussian: Float64Array }
 * ```
 */
export class ProductDistribution<B extends Record<string, Distribution<unknown>>> implements Distribution<SampleRecord<B>> {
  readonly freeParameters: number;
  readonly thetaLength: number;
  /** The blocks, in the order of their parameters. */
  readonly blocks: Readonly<B>;
  private readonly keys: (keyof B & string)[];
  private readonly thetaOffsets: number[];
  private readonly freeOffsets: number[];

  constructor(blocks: B) {
    this.blocks = blocks;
    this.keys = Object.keys(blocks) as (keyof B & string)[];
    if (this.keys.length === 0) throw new TypeError('ProductDistribution: expected at least one block');
    this.thetaOffsets = [];
    this.freeOffsets = [];
    let t = 0;
    let f = 0;
    for (const k of this.keys) {
      this.thetaOffsets.push(t);
      this.freeOffsets.push(f);
      t += blocks[k]!.thetaLength;
      f += blocks[k]!.freeParameters;
    }
    this.thetaLength = t;
    this.freeParameters = f;
  }

  private concat(
    parts: (k: keyof B & string, out: Float64Array | undefined) => Float64Array,
    length: number,
    offsets: number[],
    into?: Float64Array,
  ): Float64Array {
    const out = into ?? new Float64Array(length);
    if (out.length !== length) throw new RangeError(`ProductDistribution: expected an output vector of length ${length}, got ${out.length}`);
    this.keys.forEach((k, i) => {
      const end = i + 1 < this.keys.length ? offsets[i + 1]! : length;
      const view = out.subarray(offsets[i], end);
      const part = parts(k, view);
      if (part !== view) view.set(part);
    });
    return out;
  }

  private slice(v: Float64Array, index: number): Float64Array {
    const block = this.blocks[this.keys[index]!]!;
    const start = this.thetaOffsets[index]!;
    return v.subarray(start, start + block.thetaLength);
  }

  theta(): Float64Array {
    return this.concat((k) => this.blocks[k]!.theta(), this.thetaLength, this.thetaOffsets);
  }

  sample(count: number, rng: RandomSource): SampleRecord<B>[] {
    const out: Record<string, unknown>[] = Array.from({ length: count }, () => ({}));
    for (const k of this.keys) {
      const xs = this.blocks[k]!.sample(count, rng);
      xs.forEach((x, i) => (out[i]![k] = x));
    }
    return out as SampleRecord<B>[];
  }

  mostLikely(): SampleRecord<B> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys) out[k] = this.blocks[k]!.mostLikely();
    return out as SampleRecord<B>;
  }

  sufficientStatistics(x: SampleRecord<B>): Float64Array {
    return this.concat((k) => this.blocks[k]!.sufficientStatistics(x[k]), this.thetaLength, this.thetaOffsets);
  }

  naturalGradient(samples: readonly SampleRecord<B>[], weights: ArrayLike<number>, out?: Float64Array): Float64Array {
    return this.concat(
      (k, view) =>
        this.blocks[k]!.naturalGradient(
          samples.map((s) => s[k]),
          weights,
          view,
        ),
      this.thetaLength,
      this.thetaOffsets,
      out,
    );
  }

  fisherSqrt(g: Float64Array, out?: Float64Array): Float64Array {
    return this.concat((k, view) => this.blocks[k]!.fisherSqrt(this.slice(g, this.keys.indexOf(k)), view), this.freeParameters, this.freeOffsets, out);
  }

  step(g: Float64Array, epsilon: number): void {
    this.keys.forEach((k, i) => this.blocks[k]!.step(this.slice(g, i), epsilon));
  }

  restrictRange(): void {
    for (const k of this.keys) this.blocks[k]!.restrictRange();
  }

  getState(): DistributionState {
    const blocks: Record<string, DistributionState> = {};
    for (const k of this.keys) blocks[k] = this.blocks[k]!.getState();
    return { kind: 'product', blocks };
  }

  setState(state: DistributionState): void {
    if (state?.kind !== 'product' || typeof state.blocks !== 'object' || state.blocks === null) {
      throw new TypeError(`ProductDistribution.setState: expected {kind: 'product', blocks}, got kind ${JSON.stringify(state?.kind)}`);
    }
    const blocks = state.blocks as Record<string, DistributionState>;
    for (const k of this.keys) {
      if (!(k in blocks)) throw new TypeError(`ProductDistribution.setState: missing block '${k}'`);
    }
    // All or nothing: if a block rejects its state, the blocks already restored go back.
    const previous = this.keys.map((k) => this.blocks[k]!.getState());
    try {
      for (const k of this.keys) this.blocks[k]!.setState(blocks[k]!);
    } catch (error) {
      this.keys.forEach((k, i) => this.blocks[k]!.setState(previous[i]!));
      throw error;
    }
  }
}
