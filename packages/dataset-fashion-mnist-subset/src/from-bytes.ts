import type { Dataset } from '@asng/core';
import { FASHION_MNIST_CLASS_NAMES, idxDatasetFromBytes, MNIST_FILE_NAMES, type IdxBytes, type IdxFileNames } from '@asng/dataset-mnist/browser';

/** The dataset's name. */
export const FASHION_MNIST_SUBSET_NAME = 'fashion-mnist-subset';

/**
 * The names of the four embedded files in the package's `data/` folder
 * (gzipped IDX), which a web page serves as static assets, for example with
 * Vite: `import url from '@asng/dataset-fashion-mnist-subset/data/train-images-idx3-ubyte.gz?url'`.
 */
export const FASHION_MNIST_SUBSET_FILES: IdxFileNames = {
  trainImages: `${MNIST_FILE_NAMES.trainImages}.gz`,
  trainLabels: `${MNIST_FILE_NAMES.trainLabels}.gz`,
  testImages: `${MNIST_FILE_NAMES.testImages}.gz`,
  testLabels: `${MNIST_FILE_NAMES.testLabels}.gz`,
};

/**
 * The embedded Fashion-MNIST subset from the bytes of its four files (as
 * shipped, gzipped, or decompressed), in any JavaScript runtime: the same
 * dataset as `fashionMnistSubset.load()` reads in Node.js, its `source`
 * `'embedded'`.
 *
 * @throws `DatasetFormatError` naming the file that is not a valid IDX file of the subset.
 */
export async function fashionMnistSubsetFromBytes(files: IdxBytes): Promise<Dataset> {
  return idxDatasetFromBytes(files, { name: FASHION_MNIST_SUBSET_NAME, classNames: FASHION_MNIST_CLASS_NAMES }, 'embedded', FASHION_MNIST_SUBSET_FILES);
}

/**
 * Fetches the four files of the subset from `baseUrl` (a folder URL ending in
 * `/`, where a web page serves the package's `data/` files under their
 * names, {@link FASHION_MNIST_SUBSET_FILES}) and builds the dataset.
 *
 * @param fetchFile - the fetch implementation. @default globalThis.fetch
 * @throws An `Error` naming the URL that could not be fetched, with its HTTP status.
 */
export async function fetchFashionMnistSubset(baseUrl: string | URL, fetchFile: typeof globalThis.fetch = globalThis.fetch): Promise<Dataset> {
  const keys = Object.keys(FASHION_MNIST_SUBSET_FILES) as (keyof IdxFileNames)[];
  const bytes = await Promise.all(
    keys.map(async (key) => {
      const url = new URL(FASHION_MNIST_SUBSET_FILES[key], baseUrl);
      let response: Response;
      try {
        response = await fetchFile(url);
      } catch (error) {
        throw new Error(`${url}: could not fetch the embedded Fashion-MNIST subset (${(error as Error).message})`, { cause: error });
      }
      if (!response.ok) throw new Error(`${url}: could not fetch the embedded Fashion-MNIST subset (HTTP ${response.status} ${response.statusText})`);
      return new Uint8Array(await response.arrayBuffer());
    }),
  );
  return fashionMnistSubsetFromBytes(Object.fromEntries(keys.map((key, i) => [key, bytes[i]!])) as unknown as IdxBytes);
}
