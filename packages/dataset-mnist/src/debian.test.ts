import { describe, expect, it } from 'vitest';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from './loaders.js';

// Reads the 30 MB Debian files: opt in with ASNG_SLOW=1 after `apt-get install dataset-fashion-mnist`.
describe.skipIf(process.env.ASNG_SLOW !== '1')('Fashion-MNIST from Debian (slow)', () => {
  it('loads in full, every class 6,000 + 1,000 times', async () => {
    const data = await fashionMnist.load({ path: DEBIAN_FASHION_MNIST_DIR, download: false });
    expect(data.info).toMatchObject({ splits: { train: 60000, test: 10000 }, shape: [28, 28, 1], classes: 10, source: DEBIAN_FASHION_MNIST_DIR });
    for (const [name, perClass] of [
      ['train', 6000],
      ['test', 1000],
    ] as const) {
      const split = data.split(name);
      const batch = await split.read(Int32Array.from({ length: split.size }, (_, i) => i));
      const counts = new Array<number>(10).fill(0);
      for (const label of batch.labels!) counts[label]!++;
      expect(counts).toEqual(new Array<number>(10).fill(perClass));
    }
  });
});
