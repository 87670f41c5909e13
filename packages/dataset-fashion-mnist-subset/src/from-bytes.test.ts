import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_SUBSET_DIR, fashionMnistSubset } from './index.js';
import { FASHION_MNIST_SUBSET_FILES, fashionMnistSubsetFromBytes, fetchFashionMnistSubset } from './from-bytes.js';

const keys = Object.keys(FASHION_MNIST_SUBSET_FILES) as (keyof typeof FASHION_MNIST_SUBSET_FILES)[];
const files = Object.fromEntries(
  keys.map((key) => [key, new Uint8Array(readFileSync(join(FASHION_MNIST_SUBSET_DIR, FASHION_MNIST_SUBSET_FILES[key])))]),
) as Record<(typeof keys)[number], Uint8Array>;

describe('the subset from bytes (browsers)', () => {
  it('is the dataset the Node.js loader reads, image for image', async () => {
    const [fromBytes, fromFiles] = await Promise.all([fashionMnistSubsetFromBytes(files), fashionMnistSubset.load()]);
    expect(fromBytes.info).toEqual(fromFiles.info);
    const indices = Int32Array.from([0, 1, 599, 3000, 5999]);
    for (const split of ['train', 'test'] as const) {
      const at = split === 'train' ? indices : indices.map((i) => i % 1000);
      expect(await fromBytes.split(split).read(at)).toEqual(await fromFiles.split(split).read(at));
    }
  });

  it('fetches the files from a base URL, naming a file it cannot get', async () => {
    const served = new Map(keys.map((key) => [`https://example.test/data/${FASHION_MNIST_SUBSET_FILES[key]}`, files[key]]));
    const fetchFile = (async (url: URL) => {
      const bytes = served.get(String(url));
      return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : new Response('missing', { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    const data = await fetchFashionMnistSubset('https://example.test/data/', fetchFile);
    expect(data.info.splits).toEqual({ train: 6000, test: 1000 });
    await expect(fetchFashionMnistSubset('https://example.test/elsewhere/', fetchFile)).rejects.toThrow(
      /^https:\/\/example\.test\/elsewhere\/[a-z0-9-]+\.gz: could not fetch the embedded Fashion-MNIST subset \(HTTP 404 Not Found\)/,
    );
  });

  it('names a file that is not the right IDX file, and a missing one', async () => {
    await expect(fashionMnistSubsetFromBytes({ ...files, trainLabels: files.trainImages })).rejects.toThrow(
      /^train-labels-idx1-ubyte\.gz: expected IDX magic number 0x00000801, found 0x00000803/,
    );
    await expect(fashionMnistSubsetFromBytes({ ...files, testLabels: undefined as unknown as Uint8Array })).rejects.toThrow(
      'fashion-mnist-subset: files.testLabels: expected the bytes of t10k-labels-idx1-ubyte.gz (a Uint8Array), got undefined',
    );
  });
});
