export { createInpaintingSpace } from './inpainting-space.js';
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
export { HALVES, applyMask, centerMask, maskByName, randomHalfMask, randomPixelMask } from './masks.js';
export type { Mask, MaskName, RandomPixelMaskOptions } from './masks.js';
export { MAX_PSNR, gaussianWindow, psnr, ssim } from './metrics.js';
export type { SsimOptions } from './metrics.js';
