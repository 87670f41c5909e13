export { DataLoader } from './data-loader.js';
export type { DataLoaderOptions, DataLoaderState, PreparedBatch, TensorBatch } from './data-loader.js';
export { drawAugmentation, renderImage } from './augment.js';
export type { AugmentDraw, AugmentOptions, Normalization } from './augment.js';
export { splitTrainValidation, subsetSplit } from './split.js';
export type { SplitOptions, TrainValidationIndices } from './split.js';
export { padDataset } from './pad-dataset.js';
