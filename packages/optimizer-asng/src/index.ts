export { rankingUtility } from './ranking-utility.js';
export type { RankedUtilities, RankingUtilityOptions } from './ranking-utility.js';
export { AdaptiveSng, Sng } from './natural-gradient.js';
export type {
  AdaptiveSngOptions,
  AdaptiveSngState,
  NaturalGradientOptions,
  SngOptions,
  SngState,
  UpdateReport,
} from './natural-gradient.js';
export { SearchDistribution, rngFrom } from './variable-search.js';
export type { RngOptions, SearchDistributionOptions, SearchDistributionState, SearchSample } from './variable-search.js';
export { NaturalGradientOptimizer, createAsng, createSng } from './natural-gradient-optimizer.js';
export type { AsngOptimizerOptions, NaturalGradientOptimizerState, SngOptimizerOptions } from './natural-gradient-optimizer.js';
