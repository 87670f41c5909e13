/**
 * The embedded Fashion-MNIST subset in the browser: its four gzipped IDX
 * files, fetched from the page's own origin and unzipped with the platform's
 * `DecompressionStream` (in browsers, workers and Node 18+).
 */
import type { Dataset } from '@asng/core';
import { memoryDataset } from './memory-dataset.js';

/** Fashion-MNIST's class names, indexed by label (as `@asng/dataset-mnist` names them). */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The subset's files, as `@asng/dataset-fashion-mnist-subset` ships them. */
export const SUBSET_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Unzips gzip bytes. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Parses an IDX file of unsigned bytes with `rank` dimensions (3 for images,
 * 1 for labels): big-endian magic `0x0803`/`0x0801`, one 32-bit size per
 * dimension, then the data.
 *
 * @throws naming `file`, on a wrong magic number or a size that does not match.
 */
export function parseIdxBytes(bytes: Uint8Array, file: string, rank: 1 | 3): { dims: number[]; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = 0x0800 + rank;
  if (bytes.length < 4 + 4 * rank || view.getUint32(0, false) !== magic) {
    throw new Error(`${file}: not an IDX file of ${rank === 3 ? 'images' : 'labels'} (magic number 0x${magic.toString(16).padStart(8, '0')})`);
  }
  const dims = Array.from({ length: rank }, (_, d) => view.getUint32(4 + 4 * d, false));
  const expected = 4 + 4 * rank + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) throw new Error(`${file}: ${bytes.length} bytes, expected ${expected} for dimensions ${dims.join('x')}`);
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

/**
 * Loads the embedded subset (6,000 training and 1,000 test images, 28x28
 * grey) from `baseUrl`, where the page serves the package's `data/` folder.
 *
 * @param read - how a file's bytes are got; `fetch` by default.
 */
export async function loadEmbeddedSubset(
  baseUrl: string,
  read: (url: string) => Promise<Uint8Array> = async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  },
): Promise<Dataset> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  // A static server may send a .gz file with `Content-Encoding: gzip` (vite preview does), and the browser then unzips it already.
  const unzipped = async (bytes: Uint8Array) => (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(bytes) : bytes);
  const load = async (name: string, rank: 1 | 3) => parseIdxBytes(await unzipped(await read(`${base}${name}`)), name, rank);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    load(SUBSET_FILES.trainImages, 3),
    load(SUBSET_FILES.trainLabels, 1),
    load(SUBSET_FILES.testImages, 3),
    load(SUBSET_FILES.testLabels, 1),
  ]);
  const [, rows, columns] = trainImages.dims as [number, number, number];
  const labels = (idx: { data: Uint8Array }) => Int32Array.from(idx.data);
  return memoryDataset({
    name: 'fashion-mnist-subset',
    shape: [rows, columns, 1],
    classNames: FASHION_MNIST_CLASS_NAMES,
    source: 'embedded',
    train: { images: trainImages.data, labels: labels(trainLabels) },
    test: { images: testImages.data, labels: labels(testLabels) },
  });
}
