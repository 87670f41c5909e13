import { readFile } from 'node:fs/promises';
import { FASHION_MNIST_SUBSET_DIR, fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { fetchFashionMnistSubset } from '@asng/dataset-fashion-mnist-subset/browser';
import { describe, expect, it } from 'vitest';

describe('the embedded subset, read as the page reads it', () => {
  const serve = (gzipped: boolean) => async (url: string | URL | Request) => {
    const name = String(url).split('/').pop()!;
    const bytes = await readFile(`${FASHION_MNIST_SUBSET_DIR}${name}`);
    // vite preview sends the .gz files with Content-Encoding: gzip, so the browser hands over the unzipped bytes.
    const { gunzipSync } = await import('node:zlib');
    return new Response(gzipped ? bytes : gunzipSync(bytes));
  };

  for (const gzipped of [true, false]) {
    it(`fetches the four files from the page's origin (${gzipped ? 'as shipped' : 'unzipped by the server'}): the Node loader's dataset`, async () => {
      const data = await fetchFashionMnistSubset('http://localhost:5174/data/fashion-mnist-subset/', serve(gzipped) as typeof fetch);
      expect(data.info).toMatchObject({ shape: [28, 28, 1], classes: 10, splits: { train: 6000, test: 1000 } });
      const node = await fashionMnistSubset.load();
      for (const split of ['train', 'test'] as const) {
        const indices = [0, 1, 777, data.split(split).size - 1];
        const [ours, theirs] = await Promise.all([data.split(split).read(indices), node.split(split).read(indices)]);
        expect(ours.images).toEqual(theirs.images);
        expect(ours.labels).toEqual(theirs.labels);
      }
    });
  }

  it('names the URL that could not be fetched', async () => {
    const missing = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch;
    await expect(fetchFashionMnistSubset('http://localhost:5174/data/', missing)).rejects.toThrow(
      /http:\/\/localhost:5174\/data\/\S+-ubyte\.gz: could not fetch .*HTTP 404/,
    );
  });
});
