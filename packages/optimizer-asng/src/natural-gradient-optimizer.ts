import type { Architecture, Candidate, Optimizer, OptimizerState, Rng, RngState, Variable, VariableBelief } from '@asng/core/base';
import { AdaptiveSng, Sng, type AdaptiveSngOptions, type AdaptiveSngState, type SngOptions, type SngState, type UpdateReport } from './natural-gradient.js';
import { SearchDistribution, rngFrom, type RngOptions, type SearchDistributionOptions, type SearchSample } from './variable-search.js';

/** Options of {@link createAsng}. */
export interface AsngOptimizerOptions extends AdaptiveSngOptions, SearchDistributionOptions, RngOptions {
  /** The variables to search, usually `space.variables`. */
  readonly variables: readonly Variable[];
}

/** Options of {@link createSng}. */
export interface SngOptimizerOptions extends SngOptions, SearchDistributionOptions, RngOptions {
  /** The variables to search, usually `space.variables`. */
  readonly variables: readonly Variable[];
}

/** Serialised state of a {@link NaturalGradientOptimizer}. */
export interface NaturalGradientOptimizerState extends OptimizerState {
  readonly kind: 'asng' | 'sng';
  /** Names of the variables, to refuse a state written for another space. */
  readonly variables: readonly string[];
  readonly rng: RngState;
  readonly search: AdaptiveSngState | SngState;
  /** How many updates were told so far. */
  readonly updates: number;
}

type Method = AdaptiveSng<SearchSample> | Sng<SearchSample>;

/**
 * An {@link Optimizer} over named variables driven by ASNG or SNG: `ask()`
 * draws `lambda` architectures from the search distribution, `tell()` updates
 * it from their losses, `best()` is the most likely architecture. Create it
 * with {@link createAsng} or {@link createSng}.
 */
export class NaturalGradientOptimizer implements Optimizer<SearchSample> {
  readonly name: 'asng' | 'sng';
  readonly variables: readonly Variable[];
  readonly populationSize: number;
  /** The search distribution (and codec). */
  readonly distribution: SearchDistribution;
  /** The update rule. */
  readonly method: Method;
  private readonly rng: Rng;
  private updates = 0;
  private last: UpdateReport | undefined;

  /** Prefer {@link createAsng} / {@link createSng}. */
  constructor(name: 'asng' | 'sng', distribution: SearchDistribution, method: Method, rng: Rng) {
    this.name = name;
    this.distribution = distribution;
    this.variables = distribution.variables;
    this.method = method;
    this.populationSize = method.lambda;
    this.rng = rng;
  }

  ask(): Candidate<SearchSample>[] {
    return this.distribution.sample(this.populationSize, this.rng).map((sample) => ({
      architecture: this.distribution.decode(sample),
      sample,
    }));
  }

  tell(candidates: readonly Candidate<SearchSample>[], losses: ArrayLike<number>): void {
    if (!Array.isArray(candidates) || candidates.length !== losses.length) {
      throw new RangeError(`${this.name}.tell: got ${Array.isArray(candidates) ? candidates.length : 'no'} candidates but ${losses.length} losses`);
    }
    candidates.forEach((c, i) => {
      const s = c?.sample;
      if (
        !s ||
        !(s.categorical instanceof Int32Array) ||
        !(s.numeric instanceof Float64Array) ||
        s.categorical.length !== this.distribution.categoricalVariables.length ||
        s.numeric.length !== this.distribution.numericVariables.length
      ) {
        throw new TypeError(`${this.name}.tell: candidates[${i}] was not returned by ask() of an optimizer over these variables`);
      }
    });
    for (let i = 0; i < losses.length; i++) {
      if (!Number.isFinite(losses[i])) {
        throw new RangeError(
          `${this.name}.tell: the loss of candidates[${i}] is ${String(losses[i])}; losses must be finite (architecture: ${JSON.stringify(candidates[i]!.architecture)})`,
        );
      }
    }
    this.last = this.method.update(
      candidates.map((c) => c.sample),
      losses,
    );
    this.updates++;
  }

  best(): Architecture {
    return this.distribution.decode(this.distribution.mostLikely());
  }

  /** What the last {@link NaturalGradientOptimizer.tell} did, if any. */
  lastUpdate(): UpdateReport | undefined {
    return this.last;
  }

  beliefs(): VariableBelief[] {
    const { categorical, numeric } = this.distribution;
    const byName = new Map<string, VariableBelief>();
    this.distribution.categoricalVariables.forEach((v, i) => {
      byName.set(v.name, { kind: 'categorical', name: v.name, choices: v.choices, probabilities: Array.from(categorical!.probabilities(i)) });
    });
    if (numeric) {
      const mean = numeric.mean();
      const std = numeric.std();
      this.distribution.numericVariables.forEach((v, i) => {
        byName.set(v.name, { kind: v.kind, name: v.name, mean: mean[i]!, std: std[i]! });
      });
    }
    return this.variables.map((v) => byName.get(v.name)!);
  }

  /**
   * `delta` (the trust region of the next update), `epsilon` (the last step),
   * `convergence` (mean over categorical variables with several choices of
   * the largest probability divided by the largest probability the range
   * restriction allows, `1 - (K - 1) * minProbability`: 1 when every variable
   * has decided, so `while (convergence < 0.99)` ends; about `1 / K` at the
   * start), `updates`, and for ASNG `Delta` and `snr`.
   */
  stats(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {
      delta: this.method.delta,
      epsilon: this.method.epsilon,
      convergence: this.convergence(),
      updates: this.updates,
    };
    if (this.method instanceof AdaptiveSng) {
      out.Delta = this.method.Delta;
      out.snr = this.method.snr();
    }
    return out;
  }

  private convergence(): number {
    const cat = this.distribution.categorical;
    if (!cat) return 1;
    let sum = 0;
    let count = 0;
    cat.categories.forEach((k, i) => {
      if (k < 2) return;
      // Range restriction keeps every other choice at minProbability, so a
      // decided variable's largest probability is this ceiling, not 1.
      const ceiling = 1 - (k - 1) * cat.minProbability(i);
      sum += Math.min(1, Math.max(...cat.probabilities(i)) / ceiling);
      count++;
    });
    return count === 0 ? 1 : sum / count;
  }

  getState(): NaturalGradientOptimizerState {
    return {
      kind: this.name,
      variables: this.variables.map((v) => v.name),
      rng: this.rng.getState(),
      search: this.method.getState(),
      updates: this.updates,
    };
  }

  setState(state: OptimizerState): void {
    const s = state as NaturalGradientOptimizerState;
    if (s?.kind !== this.name) throw new TypeError(`${this.name}.setState: expected kind '${this.name}', got ${JSON.stringify(s?.kind)}`);
    const names = this.variables.map((v) => v.name);
    if (!Array.isArray(s.variables) || s.variables.length !== names.length || s.variables.some((n, i) => n !== names[i])) {
      throw new TypeError(`${this.name}.setState: 'variables' do not match this optimizer's variables (the state was saved for another search space)`);
    }
    if (!Number.isInteger(s.updates) || s.updates < 0)
      throw new TypeError(`${this.name}.setState: 'updates' must be a non-negative integer, got ${String(s.updates)}`);
    const previousRng = this.rng.getState();
    const previousSearch = this.method.getState();
    try {
      this.rng.setState(s.rng);
      (this.method as AdaptiveSng<SearchSample>).setState(s.search as AdaptiveSngState);
    } catch (error) {
      this.rng.setState(previousRng);
      (this.method as AdaptiveSng<SearchSample>).setState(previousSearch as AdaptiveSngState);
      throw error;
    }
    this.updates = s.updates;
    this.last = undefined;
  }
}

function searchDistribution(options: SearchDistributionOptions & { variables: readonly Variable[] }): SearchDistribution {
  return new SearchDistribution(options.variables, options);
}

/**
 * Creates an ASNG optimizer over `variables` (categorical, integer and
 * continuous in any mix).
 *
 * @example
 * ```ts
 * const optimizer = createAsng({ variables: space.variables, seed: 1 });
 * const candidates = optimizer.ask();
 * optimizer.tell(candidates, candidates.map((c) => validationLoss(c.architecture)));
 * optimizer.best();
 * ```
 */
export function createAsng(options: AsngOptimizerOptions): NaturalGradientOptimizer {
  const distribution = searchDistribution(options);
  return new NaturalGradientOptimizer('asng', distribution, new AdaptiveSng(distribution, options), rngFrom(options));
}

/** Creates a plain SNG optimizer (fixed trust region) over `variables`: the paper's baseline. */
export function createSng(options: SngOptimizerOptions): NaturalGradientOptimizer {
  const distribution = searchDistribution(options);
  return new NaturalGradientOptimizer('sng', distribution, new Sng(distribution, options), rngFrom(options));
}
