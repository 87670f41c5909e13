import {
  Rng,
  minStdOf,
  validateArchitecture,
  validateVariables,
  type Architecture,
  type CategoricalVariable,
  type Choice,
  type Distribution,
  type DistributionState,
  type NumericVariable,
  type RandomSource,
  type Variable,
} from '@asng/core/base';
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

/** Where a variable's value lives in a {@link SearchSample}, precomputed for decoding. */
type Slot =
  | { readonly name: string; readonly kind: 'categorical'; readonly index: number; readonly choices: readonly Choice[] }
  | { readonly name: string; readonly kind: 'integer' | 'continuous'; readonly index: number; readonly min: number; readonly max: number };

type Decoder = (categorical: Int32Array, numeric: Float64Array) => Architecture;

function decodeSlot(slot: Slot, categorical: Int32Array, numeric: Float64Array): Choice {
  if (slot.kind === 'categorical') return slot.choices[categorical[slot.index]!]!;
  const x = numeric[slot.index]!;
  return slot.kind === 'integer' ? decodeInteger(x, slot.min, slot.max) : decodeContinuous(x, slot.min, slot.max);
}

/**
 * Builds the decoder of a list of variables. An architecture is an object
 * with one property per variable; built key by key, an object of dozens of
 * properties costs microseconds, while an object literal with fixed keys costs
 * tens of nanoseconds. So where the platform allows `Function` (Node, most
 * browsers), the decoder is a generated object literal; keys are embedded
 * with `JSON.stringify`, so no variable name can inject code. Elsewhere
 * (strict CSP), it falls back to building the object key by key.
 */
function compileDecoder(slots: readonly Slot[]): Decoder {
  try {
    const values = slots.map((slot, i) => {
      if (slot.kind === 'categorical') return `s[${i}].choices[c[${slot.index}]]`;
      const x = `n[${slot.index}]`;
      const clip = (v: string) => `Math.min(Math.max(${v}, ${slot.min}), ${slot.max})`;
      return slot.kind === 'integer' ? clip(`Math.round(${x})`) : clip(x);
    });
    const body = slots.map((slot, i) => `${JSON.stringify(slot.name)}: ${values[i]}`).join(',\n');
    const make = new Function('s', `return function decode(c, n) { return {\n${body}\n}; };`) as (s: readonly Slot[]) => Decoder;
    return make(slots);
  } catch {
    return (categorical, numeric) => {
      const out: Record<string, Choice> = {};
      for (const slot of slots) out[slot.name] = decodeSlot(slot, categorical, numeric);
      return out;
    };
  }
}

/**
 * The search distribution of a list of variables — a categorical distribution
 * over the categorical ones and Gaussians over the integer and continuous
 * ones, as one product distribution (categorical parameters first) — and the
 * codec between its samples and {@link Architecture}s.
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
  private readonly decoder: Decoder;
  private readonly catTheta: number;
  private readonly catFree: number;

  constructor(variables: readonly Variable[], options: SearchDistributionOptions = {}) {
    validateVariables(variables);
    if (variables.length === 0) throw new TypeError('variables: expected at least one variable');
    this.variables = [...variables];
    this.categoricalVariables = variables.filter((v): v is CategoricalVariable => v.kind === 'categorical');
    this.numericVariables = variables.filter((v): v is NumericVariable => v.kind !== 'categorical');
    if (this.categoricalVariables.length > 0) {
      this.categorical = new CategoricalDistribution(
        this.categoricalVariables.map((v) => v.choices.length),
        {
          ...(options.minProbability ? { minProbability: options.minProbability } : {}),
          rangeRestriction: options.rangeRestriction ?? true,
        },
      );
    }
    if (this.numericVariables.length > 0) {
      this.numeric = new GaussianDistribution(this.numericVariables.map((v) => ({ min: v.min, max: v.max, minStd: minStdOf(v) })));
    }
    this.catTheta = this.categorical?.thetaLength ?? 0;
    this.catFree = this.categorical?.freeParameters ?? 0;
    this.thetaLength = this.catTheta + (this.numeric?.thetaLength ?? 0);
    this.freeParameters = this.catFree + (this.numeric?.freeParameters ?? 0);
    let c = 0;
    let n = 0;
    this.decoder = compileDecoder(
      variables.map(
        (v): Slot =>
          v.kind === 'categorical'
            ? { name: v.name, kind: v.kind, index: c++, choices: v.choices }
            : { name: v.name, kind: v.kind, index: n++, min: v.min, max: v.max },
      ),
    );
  }

  /** Decodes a sample into an architecture: labelled choices, rounded and clipped integers, clipped reals. */
  decode(sample: SearchSample): Architecture {
    return this.decoder(sample.categorical, sample.numeric);
  }

  /** Encodes an architecture as a sample (numeric values taken as the draws); throws a `TypeError` naming a bad value. */
  encode(architecture: Architecture): SearchSample {
    validateArchitecture(this.variables, architecture);
    return {
      categorical: Int32Array.from(this.categoricalVariables, (v) => v.choices.indexOf(architecture[v.name]!)),
      numeric: Float64Array.from(this.numericVariables, (v) => architecture[v.name] as number),
    };
  }

  private joinVectors(cat: Float64Array | undefined, num: Float64Array | undefined, catLength: number, length: number): Float64Array {
    if (num === undefined && cat !== undefined) return cat;
    if (cat === undefined && num !== undefined) return num;
    const out = new Float64Array(length);
    if (cat) out.set(cat, 0);
    if (num) out.set(num, catLength);
    return out;
  }

  theta(): Float64Array {
    return this.joinVectors(this.categorical?.theta(), this.numeric?.theta(), this.catTheta, this.thetaLength);
  }

  sample(count: number, rng: RandomSource): SearchSample[] {
    const cats = this.categorical?.sample(count, rng);
    const nums = this.numeric?.sample(count, rng);
    const out: SearchSample[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = { categorical: cats?.[i] ?? EMPTY_INT, numeric: nums?.[i] ?? EMPTY_FLOAT };
    return out;
  }

  mostLikely(): SearchSample {
    return { categorical: this.categorical?.mostLikely() ?? EMPTY_INT, numeric: this.numeric?.mostLikely() ?? EMPTY_FLOAT };
  }

  sufficientStatistics(x: SearchSample): Float64Array {
    return this.joinVectors(
      this.categorical?.sufficientStatistics(x.categorical),
      this.numeric?.sufficientStatistics(x.numeric),
      this.catTheta,
      this.thetaLength,
    );
  }

  naturalGradient(samples: readonly SearchSample[], weights: ArrayLike<number>, out?: Float64Array): Float64Array {
    const g = out ?? new Float64Array(this.thetaLength);
    this.checkOutput(g, this.thetaLength, 'naturalGradient');
    const c = this.catTheta;
    this.categorical?.naturalGradient(
      samples.map((x) => x.categorical),
      weights,
      this.numeric ? g.subarray(0, c) : g,
    );
    this.numeric?.naturalGradient(
      samples.map((x) => x.numeric),
      weights,
      this.categorical ? g.subarray(c) : g,
    );
    return g;
  }

  fisherSqrt(g: Float64Array, out?: Float64Array): Float64Array {
    const v = out ?? new Float64Array(this.freeParameters);
    this.checkOutput(v, this.freeParameters, 'fisherSqrt');
    const c = this.catTheta;
    const f = this.catFree;
    const both = this.categorical !== undefined && this.numeric !== undefined;
    this.categorical?.fisherSqrt(both ? g.subarray(0, c) : g, both ? v.subarray(0, f) : v);
    this.numeric?.fisherSqrt(both ? g.subarray(c) : g, both ? v.subarray(f) : v);
    return v;
  }

  private checkOutput(out: Float64Array, length: number, method: string): void {
    if (out.length !== length) throw new RangeError(`SearchDistribution.${method}: expected an output vector of length ${length}, got ${out.length}`);
  }

  step(g: Float64Array, epsilon: number): void {
    const both = this.categorical !== undefined && this.numeric !== undefined;
    this.categorical?.step(both ? g.subarray(0, this.catTheta) : g, epsilon);
    this.numeric?.step(both ? g.subarray(this.catTheta) : g, epsilon);
  }

  restrictRange(): void {
    this.categorical?.restrictRange();
    this.numeric?.restrictRange();
  }

  getState(): SearchDistributionState {
    return {
      kind: 'search',
      ...(this.categorical ? { categorical: this.categorical.getState() } : {}),
      ...(this.numeric ? { numeric: this.numeric.getState() } : {}),
    };
  }

  setState(state: DistributionState): void {
    if (state?.kind !== 'search') throw new TypeError(`SearchDistribution.setState: expected kind 'search', got ${JSON.stringify(state?.kind)}`);
    const s = state as SearchDistributionState;
    if (this.categorical && s.categorical === undefined) throw new TypeError("SearchDistribution.setState: missing 'categorical'");
    if (this.numeric && s.numeric === undefined) throw new TypeError("SearchDistribution.setState: missing 'numeric'");
    const previous = this.categorical?.getState();
    if (this.categorical) this.categorical.setState(s.categorical!);
    try {
      if (this.numeric) this.numeric.setState(s.numeric!);
    } catch (error) {
      if (previous) this.categorical!.setState(previous);
      throw error;
    }
  }
}

/** Serialised state of a {@link SearchDistribution}. */
export interface SearchDistributionState extends DistributionState {
  readonly kind: 'search';
  readonly categorical?: DistributionState;
  readonly numeric?: DistributionState;
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
