export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxExamples } from './idx.js';
export type { IdxArray, IdxExamples } from './idx.js';
export { idxDataset, idxDatasetFromBytes, idxExamplesFromBytes } from './idx-bytes.js';
export type { IdxBytes, IdxDatasetNames } from './idx-bytes.js';
export { createIdxLoader, findIdxFiles, MNIST_FILE_NAMES, openIdxDataset } from './idx-loader.js';
export type { IdxDatasetSpec, IdxFileNames, IdxLoadOptions } from './idx-loader.js';
export { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_MIRROR, fashionMnist, MNIST_MIRROR, mnist } from './loaders.js';
