/**
 * The part of `@asng/core` that needs no tfjs types: the seeded RNG, the
 * search variables, the distribution and optimizer contracts and the vector
 * checks. The distributions and the optimizer import
 * from here, so a project with only them type-checks with `skipLibCheck: false`
 * and without tfjs installed. `@asng/core` re-exports all of it, with the
 * dataset contract and the tensor-typed contracts of search spaces.
 * @packageDocumentation
 */
export { Rng } from './rng.js';
export type { RandomSource, RngState } from './rng.js';
export {
  categorical,
  continuous,
  formatArchitecture,
  integer,
  minStdOf,
  validateArchitecture,
  validateVariables,
} from './variables.js';
export type {
  Architecture,
  CategoricalVariable,
  Choice,
  ContinuousVariable,
  IntegerVariable,
  NumericVariable,
  Variable,
} from './variables.js';
export { comparisonArchitectures, uniformArchitectures } from './uniform-architectures.js';
export { drawnArchitectures, likeliestArchitectures } from './likeliest-architectures.js';
export type { DrawnOptions, LikelyArchitecture, LikeliestOptions } from './likeliest-architectures.js';
export { ProductDistribution } from './distribution.js';
export type { Distribution, DistributionState, SampleOf } from './distribution.js';
export type { Candidate, Optimizer, OptimizerState, VariableBelief } from './optimizer.js';
export { checkSampleWeights, checkVectorLength, outputVector } from './vectors.js';
