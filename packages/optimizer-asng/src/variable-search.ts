import {
  ProductDistribution,
  Rng,
  minStdOf,
  validateArchitecture,
  validateVariables,
  type Architecture,
  type CategoricalVariable,
  type Choice,
  type Distribution,
  type NumericVariable,
  type RandomSource,
  type Variable,
} from '@asng/core';
import { CategoricalDistribution } from '@asng/distribution-categorical';
import { GaussianDistribution, decodeContinuous, decodeInteger } from '@asng/distribution-gaussian';

/**
 * One draw over a search space's variables: the chosen index of each
 * categorical variable, and the real Gaussian draw of each integer or
 * continuous variable (before rounding and clipping), in declaration order
 * within each group.
 */
export interface SearchSample {
  readonly categorical: Int32Array;
  readonly numeric: Float64Array;
}

/** Options of the search distribution built from variables. */
export interface SearchDistributionOptions {
  /** Lower bound of categorical probabilities (see `CategoricalDistributionOptions.minProbability`). */
  readonly minProbability?: (validVariables: number, categories: number) => number;
  /** Whether the range restriction applies. @default true */
  readonly rangeRestriction?: boolean;
}

const EMPTY_INT = new Int32Array(0);
const EMPTY_FLOAT = new Float64Array(0);

type Blocks = { categorical?: CategoricalDistribution; numeric?: GaussianDistribution };

/**
 * The search distribution of a list of variables — a categorical distribution
 * over the categorical ones and Gaussians over the integer and continuous
 * ones — and the codec between its samples and {@link Architecture}s.
 */
export class SearchDistribution implements Distribution<SearchSample> {
  /** The variables, in declaration order. */
  readonly variables: readonly Variable[];
  /** The categorical variables, in declaration order. */
  readonly categoricalVariables: readonly CategoricalVariable[];
  /** The integer and continuous variables, in declaration order. */
  readonly numericVariables: readonly NumericVariable[];
  /** The categorical block, if any variable is categorical. */
  readonly categorical: CategoricalDistribution | undefined;
  /** The Gaussian block, if any variable is numeric. */
  readonly numeric: GaussianDistribution | undefined;
  readonly freeParameters: number;
  readonly thetaLength: number;
  private readonly joint: ProductDistribution<Blocks & Record<string, Distribution<unknown>>>;

  constructor(variables: readonly Variable[], options: SearchDistributionOptions = {}) {
    validateVariables(variables);
    if (variables.length === 0) throw new TypeError('variables: expected at least one variable');
    this.variables = [...variables];
    this.categoricalVariables = variables.filter((v): v is CategoricalVariable => v.kind === 'categorical');
    this.numericVariables = variables.filter((v): v is NumericVariable => v.kind !== 'categorical');
    const blocks: Record<string, Distribution<unknown>> = {};
    if (this.categoricalVariables.length > 0) {
      this.categorical = new CategoricalDistribution(
        this.categoricalVariables.map((v) => v.choices.length),
        {
          ...(options.minProbability ? { minProbability: options.minProbability } : {}),
          rangeRestriction: options.rangeRestriction ?? true,
        },
      );
      blocks.categorical = this.categorical;
    }
    if (this.numericVariables.length > 0) {
      this.numeric = new GaussianDistribution(this.numericVariables.map((v) => ({ min: v.min, max: v.max, minStd: minStdOf(v) })));
      blocks.numeric = this.numeric;
    }
    this.joint = new ProductDistribution(blocks);
    this.freeParameters = this.joint.freeParameters;
    this.thetaLength = this.joint.thetaLength;
  }

  /** Decodes a sample into an architecture: labelled choices, rounded and clipped integers, clipped reals. */
  decode(sample: SearchSample): Architecture {
    const out: Record<string, Choice> = {};
    this.categoricalVariables.forEach((v, i) => {
      out[v.name] = v.choices[sample.categorical[i]!]!;
    });
    this.numericVariables.forEach((v, i) => {
      const x = sample.numeric[i]!;
      out[v.name] = v.kind === 'integer' ? decodeInteger(x, v.min, v.max) : decodeContinuous(x, v.min, v.max);
    });
    // Declaration order, whatever the kinds.
    const ordered: Record<string, Choice> = {};
    for (const v of this.variables) ordered[v.name] = out[v.name]!;
    return ordered;
  }

  /** Encodes an architecture as a sample (numeric values taken as the draws); throws a `TypeError` naming a bad value. */
  encode(architecture: Architecture): SearchSample {
    validateArchitecture(this.variables, architecture);
    return {
      categorical: Int32Array.from(this.categoricalVariables, (v) => v.choices.indexOf(architecture[v.name]!)),
      numeric: Float64Array.from(this.numericVariables, (v) => architecture[v.name] as number),
    };
  }

  private split(x: SearchSample): Record<string, unknown> {
    const parts: Record<string, unknown> = {};
    if (this.categorical) parts.categorical = x.categorical;
    if (this.numeric) parts.numeric = x.numeric;
    return parts;
  }

  private join(parts: Record<string, unknown>): SearchSample {
    return {
      categorical: (parts.categorical as Int32Array | undefined) ?? EMPTY_INT,
      numeric: (parts.numeric as Float64Array | undefined) ?? EMPTY_FLOAT,
    };
  }

  theta(): Float64Array {
    return this.joint.theta();
  }

  sample(count: number, rng: RandomSource): SearchSample[] {
    return this.joint.sample(count, rng).map((p) => this.join(p as Record<string, unknown>));
  }

  mostLikely(): SearchSample {
    return this.join(this.joint.mostLikely() as Record<string, unknown>);
  }

  sufficientStatistics(x: SearchSample): Float64Array {
    return this.joint.sufficientStatistics(this.split(x) as never);
  }

  naturalGradient(samples: readonly SearchSample[], weights: ArrayLike<number>): Float64Array {
    return this.joint.naturalGradient(samples.map((x) => this.split(x)) as never, weights);
  }

  fisherSqrt(g: Float64Array): Float64Array {
    return this.joint.fisherSqrt(g);
  }

  step(g: Float64Array, epsilon: number): void {
    this.joint.step(g, epsilon);
  }

  restrictRange(): void {
    this.joint.restrictRange();
  }

  getState() {
    return this.joint.getState();
  }

  setState(state: Parameters<ProductDistribution<Record<string, Distribution<unknown>>>['setState']>[0]): void {
    this.joint.setState(state);
  }
}

/** Seeds or injects the RNG an optimizer draws its candidates from. */
export interface RngOptions {
  /** Seed of the optimizer's own {@link Rng}. @default 0 */
  readonly seed?: number;
  /** An RNG to draw from instead (its state is saved with the optimizer's). */
  readonly rng?: Rng;
}

/** Builds the RNG an optimizer uses, from {@link RngOptions}. */
export function rngFrom(options: RngOptions): Rng {
  if (options.rng !== undefined && options.seed !== undefined) {
    throw new TypeError('give either seed or rng, not both');
  }
  return options.rng ?? new Rng(options.seed ?? 0);
}
