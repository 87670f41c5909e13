export { describeDistribution } from './describe-distribution.js';
export type { DescribeDistributionOptions } from './describe-distribution.js';
export { describeOptimizer } from './describe-optimizer.js';
export type { DescribeOptimizerOptions } from './describe-optimizer.js';
export { describeSearchSpace, randomArchitecture } from './describe-search-space.js';
export type { DescribeSearchSpaceOptions } from './describe-search-space.js';
