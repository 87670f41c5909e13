export { createImageClassificationSpace, type ImageClassificationSpace, type ImageClassificationSpaceOptions } from './image-classification-space.js';
export { spaceDescriptor } from './space-descriptor.js';
export { cellArchitectureGraph } from './cell-graph.js';
export { DropPath, type DropPathControl } from './drop-path.js';
export { TrainingBatchNorm } from './training-batch-norm.js';
export { auxiliaryCell } from './build-model.js';
export {
  CELL_OPERATIONS,
  CELL_TYPES,
  decodeCell,
  stateLabel,
  type CellGenotype,
  type CellNode,
  type CellOperation,
  type CellType,
} from './cell-architecture.js';
export { planNetwork, type CellPlan, type NetworkPlan } from './network-plan.js';
