import { describe, expect, it } from 'vitest';
import { fashionMnistSubset } from './index.js';

describe('fashionMnistSubset', () => {
  it('ships 6,000 + 1,000 real images, balanced over the ten classes', async () => {
    const data = await fashionMnistSubset.load();
    expect(data.info).toMatchObject({ name: 'fashion-mnist-subset', shape: [28, 28, 1], classes: 10, splits: { train: 6000, test: 1000 }, source: 'embedded' });
    for (const [name, perClass] of [
      ['train', 600],
      ['test', 100],
    ] as const) {
      const split = data.split(name);
      const batch = await split.read(Int32Array.from({ length: split.size }, (_, i) => i));
      const counts = new Array<number>(10).fill(0);
      for (const label of batch.labels!) counts[label]!++;
      expect(counts).toEqual(new Array<number>(10).fill(perClass));
      let sum = 0;
      for (const pixel of batch.images) sum += pixel;
      // Real clothes on a black background: neither blank nor noise.
      const mean = sum / batch.images.length;
      expect(mean).toBeGreaterThan(50);
      expect(mean).toBeLessThan(100);
    }
  });
});
