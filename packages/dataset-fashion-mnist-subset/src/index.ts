import { fileURLToPath } from 'node:url';
import type { Dataset, DatasetLoader } from '@asng/core';
import { FASHION_MNIST_CLASS_NAMES, findIdxFiles, openIdxDataset } from '@asng/dataset-mnist';
import { FASHION_MNIST_SUBSET_NAME } from './from-bytes.js';

export { FASHION_MNIST_SUBSET_FILES, FASHION_MNIST_SUBSET_NAME, fashionMnistSubsetFromBytes, fetchFashionMnistSubset } from './from-bytes.js';

/** The directory holding the four embedded IDX files (gzipped). */
export const FASHION_MNIST_SUBSET_DIR: string = fileURLToPath(new URL('../data/', import.meta.url));

/**
 * A balanced real subset of Fashion-MNIST shipped inside this package: 6,000
 * training images (the first 600 of each class) and 1,000 test images (the
 * first 100 of each class), 28x28 grey, in the IDX format. It needs no file
 * lookup and no download; load options are ignored. Its
 * {@link DatasetInfo.source} is `'embedded'`. In a browser, build it from
 * the files' bytes with `fashionMnistSubsetFromBytes` or
 * `fetchFashionMnistSubset` (`@asng/dataset-fashion-mnist-subset/browser`).
 *
 * @example
 * ```ts
 * const data = await fashionMnistSubset.load();
 * data.info.splits; // { train: 6000, test: 1000 }
 * ```
 */
export const fashionMnistSubset: DatasetLoader = {
  name: 'fashion-mnist-subset',
  description: 'An embedded, balanced subset of Fashion-MNIST: 6,000 + 1,000 grey 28x28 images, 10 classes, no download.',
  async load(): Promise<Dataset> {
    const paths = await findIdxFiles(FASHION_MNIST_SUBSET_DIR);
    if (paths === null)
      throw new Error(`fashion-mnist-subset: the embedded files are missing from ${FASHION_MNIST_SUBSET_DIR}; reinstall @asng/dataset-fashion-mnist-subset`);
    return openIdxDataset(paths, { name: FASHION_MNIST_SUBSET_NAME, classNames: FASHION_MNIST_CLASS_NAMES }, 'embedded');
  },
};
