// The IDX format from bytes, for browsers: no Node.js module is reachable from
// here (`npm run -s check:browser-imports` keeps it so).
export { FASHION_MNIST_CLASS_NAMES } from './class-names.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, idxDataset, idxDatasetFromBytes, idxExamplesFromBytes, MNIST_FILE_NAMES, parseIdx } from './idx-bytes.js';
export type { IdxArray, IdxBytes, IdxDatasetNames, IdxExamples, IdxFileNames } from './idx-bytes.js';
