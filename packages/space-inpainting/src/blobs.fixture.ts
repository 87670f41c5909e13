import { Rng, type Dataset } from '@asng/core';

/**
 * Test data: `size` unlabelled grey images of `side x side` pixels, smooth
 * random blobs that an autoencoder learns quickly; a `train` split, and a
 * `test` split of `testSize` more when it is given.
 */
export function blobs(size: number, seed: number, options: { side?: number; testSize?: number } = {}): Dataset {
  const side = options.side ?? 16;
  const testSize = options.testSize ?? 0;
  const pixels = side * side;
  const rng = new Rng(seed);
  const images = new Uint8Array((size + testSize) * pixels);
  for (let i = 0; i < size + testSize; i++) {
    const [cy, cx, r] = [3 + rng.uniform() * (side - 6), 3 + rng.uniform() * (side - 6), 2 + rng.uniform() * 4];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) images[i * pixels + y * side + x] = Math.round(255 * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r)));
    }
  }
  const split = (offset: number, count: number) => ({
    size: count,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * pixels);
      for (let k = 0; k < indices.length; k++) out.set(images.subarray((offset + indices[k]!) * pixels, (offset + indices[k]! + 1) * pixels), k * pixels);
      return { count: indices.length, shape: [side, side, 1] as const, images: out, labels: null };
    },
  });
  return {
    info: { name: 'blobs', shape: [side, side, 1], classes: 0, splits: testSize > 0 ? { train: size, test: testSize } : { train: size }, source: 'generated' },
    split(name) {
      if (name === 'train') return split(0, size);
      if (name === 'test' && testSize > 0) return split(size, testSize);
      throw new RangeError(`blobs: no split '${name}'`);
    },
  };
}
