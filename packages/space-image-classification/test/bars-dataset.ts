import type { Dataset } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files';

/**
 * A tiny learnable problem: `size` x `size` grey images with one bright bar,
 * horizontal (class 0) or vertical (class 1), at a random place on a noisy
 * background. Both classes light the same number of pixels.
 */
export function barsDataset(count = 192, size = 8, seed = 5): Dataset {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pixels = size * size;
  const images = new Uint8Array(count * pixels);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const vertical = i % 2;
    labels[i] = vertical;
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = Math.floor(40 * random());
    const line = Math.floor(random() * size);
    const start = Math.floor(random() * (size - 3));
    for (let t = start; t < start + 4; t++) {
      const [y, x] = vertical ? [t, line] : [line, t];
      images[i * pixels + y * size + x] = 255;
    }
  }
  const split = new InMemorySplit([size, size, 1], images, labels);
  return {
    info: { name: 'bars', shape: [size, size, 1], classes: 2, classNames: ['horizontal', 'vertical'], splits: { train: count }, source: 'generated' },
    split(name) {
      if (name !== 'train') throw new RangeError(`bars: no split '${name}'; it has only 'train'`);
      return split;
    },
  };
}
