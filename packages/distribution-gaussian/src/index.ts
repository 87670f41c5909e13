export { GaussianDistribution, decodeContinuous, decodeInteger } from './gaussian-distribution.js';
export type { GaussianBounds, GaussianDistributionOptions, GaussianDistributionState } from './gaussian-distribution.js';
