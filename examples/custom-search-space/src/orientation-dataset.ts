import type { Dataset } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files';

/**
 * A problem whose answer is known: 8x8 grey images holding one bar, horizontal
 * (class 0) or vertical (class 1), at a random place, on a noisy background.
 * Both classes light the same number of pixels, so a network whose only conv
 * layer has a 1x1 kernel, or no non-linearity before the global average pool,
 * cannot tell them apart; a 3x3 or 5x5 kernel with ReLU or tanh can.
 */
export function orientationDataset(size = 256, seed = 1): Dataset {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pixels = 64;
  const images = new Uint8Array(size * pixels);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const vertical = i % 2;
    labels[i] = vertical;
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = Math.floor(40 * random());
    const line = 1 + Math.floor(random() * 6);
    const start = Math.floor(random() * 4);
    for (let t = start; t < start + 4; t++) {
      const [y, x] = vertical ? [t, line] : [line, t];
      images[i * pixels + y * 8 + x] = 255;
    }
  }
  const split = new InMemorySplit([8, 8, 1], images, labels);
  return {
    info: { name: 'orientation', shape: [8, 8, 1], classes: 2, classNames: ['horizontal', 'vertical'], splits: { train: size }, source: 'generated' },
    split(name) {
      if (name !== 'train') throw new RangeError(`orientation: no split '${name}'; it has only 'train'`);
      return split;
    },
  };
}
