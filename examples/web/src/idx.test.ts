import { readFile } from 'node:fs/promises';
import { FASHION_MNIST_SUBSET_DIR, fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { describe, expect, it } from 'vitest';
import { loadEmbeddedSubset, parseIdxBytes } from './idx.js';

describe('the embedded subset, read as the page reads it', () => {
  it('unzips and parses the four IDX files into a 6,000/1,000 dataset', async () => {
    const urls: string[] = [];
    const data = await loadEmbeddedSubset('/data/fashion-mnist-subset', async (url) => {
      urls.push(url);
      return new Uint8Array(await readFile(`${FASHION_MNIST_SUBSET_DIR}${url.split('/').pop()}`));
    });
    expect(urls.sort()).toEqual([
      '/data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz',
      '/data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz',
      '/data/fashion-mnist-subset/train-images-idx3-ubyte.gz',
      '/data/fashion-mnist-subset/train-labels-idx1-ubyte.gz',
    ]);
    expect(data.info).toMatchObject({ shape: [28, 28, 1], classes: 10, splits: { train: 6000, test: 1000 } });
    // The same images and labels as the Node loader reads from the same files.
    const node = await fashionMnistSubset.load();
    for (const split of ['train', 'test'] as const) {
      const indices = [0, 1, 777, data.split(split).size - 1];
      const [ours, theirs] = await Promise.all([data.split(split).read(indices), node.split(split).read(indices)]);
      expect(ours.images).toEqual(theirs.images);
      expect(ours.labels).toEqual(theirs.labels);
    }
  });

  it('refuses bytes that are not IDX, naming the file', () => {
    expect(() => parseIdxBytes(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 5]), 'labels.idx', 1)).toThrow('labels.idx: 9 bytes, expected 10 for dimensions 2');
    expect(() => parseIdxBytes(new Uint8Array(16), 'x.idx', 3)).toThrow(/x.idx: not an IDX file of images/);
  });
});
