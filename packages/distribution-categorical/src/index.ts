export { CategoricalDistribution, defaultMinProbability } from './categorical-distribution.js';
export type { CategoricalDistributionOptions, CategoricalDistributionState } from './categorical-distribution.js';
