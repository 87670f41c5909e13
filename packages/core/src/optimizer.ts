import type { Architecture, Choice, Variable } from './variables.js';

/**
 * One architecture proposed by {@link Optimizer.ask}. Give the same object
 * back to {@link Optimizer.tell}: `sample` carries what the optimizer needs to
 * learn from it (for a Gaussian, the draw before rounding).
 */
export interface Candidate<S = unknown> {
  /** The decoded architecture, by variable name. */
  readonly architecture: Architecture;
  /** The optimizer's own representation of the draw. */
  readonly sample: S;
}

/** Plain-JSON state of an optimizer, enough to resume it exactly (its RNG included). */
export interface OptimizerState {
  /** Which implementation wrote the state, for example `'asng'`. */
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * What an optimizer currently believes about one variable, for logs, reports
 * and heat maps.
 */
export type VariableBelief =
  | {
      readonly kind: 'categorical';
      readonly name: string;
      readonly choices: readonly Choice[];
      /** Probability of each choice. */
      readonly probabilities: readonly number[];
    }
  | {
      readonly kind: 'integer' | 'continuous';
      readonly name: string;
      /** Mean of the search distribution. */
      readonly mean: number;
      /** Standard deviation of the search distribution. */
      readonly std: number;
    };

/**
 * An architecture optimizer with the ask/tell interface: the search engine asks
 * for candidates, measures their losses (lower is better) and tells them back.
 * ASNG, SNG and any user-written optimizer (random search, evolution, ...) plug
 * into the same engine through this contract.
 */
export interface Optimizer<S = unknown> {
  /** Short identifier, for example `'asng'`. */
  readonly name: string;
  /** The variables searched over. */
  readonly variables: readonly Variable[];
  /** How many candidates {@link Optimizer.ask} returns (lambda). */
  readonly populationSize: number;
  /** Proposes {@link Optimizer.populationSize} candidates. */
  ask(): Candidate<S>[];
  /**
   * Learns from the losses of candidates returned by {@link Optimizer.ask}
   * (lower is better). Throws a `RangeError` on a NaN or infinite loss.
   */
  tell(candidates: readonly Candidate<S>[], losses: ArrayLike<number>): void;
  /** The current best guess: for a distribution-based optimizer, the most likely architecture. */
  best(): Architecture;
  /** Per-variable summary of the optimizer's current belief. */
  beliefs(): VariableBelief[];
  /** Scalars worth logging each step (for ASNG: `delta`, `Delta`, `epsilon`, `convergence`). */
  stats(): Readonly<Record<string, number>>;
  /** Plain-JSON state, RNG included. */
  getState(): OptimizerState;
  /** Restores a state from {@link Optimizer.getState}; throws a `TypeError` naming the bad field and changes nothing then. */
  setState(state: OptimizerState): void;
}
