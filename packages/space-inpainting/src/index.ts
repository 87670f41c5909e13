export { createInpaintingSpace } from './inpainting-space.js';
export { spaceDescriptor } from './space-descriptor.js';
export { budgetWidthPlanner, scaleChainChannels, widestScalingWithin } from './budget-width.js';
export type { BudgetWidthSettings, ChainScaling, ScalingWithinOptions } from './budget-width.js';
export type { InpaintingSpace, InpaintingSpaceOptions } from './inpainting-space.js';
export {
  activeNodes,
  chainVariables,
  decodeChain,
  inputCandidates,
  moduleLabel,
  nextPowerOfTwo,
  nodeLabel,
  planChain,
} from './architecture.js';
export type { ChainGenes, ChainPlan, ChainSpec, InpaintingEncoding, NodeGene, PlannedLayer } from './architecture.js';
export { describeChain } from './describe-chain.js';
export { chainArchitectureGraph } from './chain-graph.js';
export { HALVES, applyMask, centerMask, corruptImages, maskByName, randomHalfMask, randomPixelMask, sampleMasks } from './masks.js';
export type { CorruptedImages, Mask, MaskName, RandomPixelMaskOptions } from './masks.js';
export { MAX_PSNR, gaussianWindow, psnr, ssim } from './metrics.js';
export type { SsimOptions } from './metrics.js';
export { DEFAULT_HAND_WRITTEN_LAYERS, handWrittenAutoencoder, matchedAutoencoder, meanFill, planParameterCount } from './baselines.js';
export type { HandWrittenAutoencoderOptions, HandWrittenLayer, MatchedAutoencoder } from './baselines.js';
export { evaluateRestoration, scoreRestorations } from './evaluation.js';
export type { EvaluateRestorationOptions, RestorationScores, RestorationSums, Restorer } from './evaluation.js';
