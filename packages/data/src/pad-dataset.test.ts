import type { Dataset } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { padDataset } from './pad-dataset.js';

/** 12x12 grey images: a bright square whose position depends on the index. */
function squares(train: number, test: number): Dataset {
  const image = (k: number) =>
    Uint8Array.from({ length: 144 }, (_, i) => (Math.abs((i % 12) - (k % 8)) < 3 && Math.abs(Math.floor(i / 12) - (k % 5) - 3) < 3 ? 220 : 10));
  const split = (offset: number, size: number) => ({
    size,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * 144);
      for (let j = 0; j < indices.length; j++) out.set(image(offset + indices[j]!), j * 144);
      return { count: indices.length, shape: [12, 12, 1] as const, images: out, labels: Int32Array.from(indices, (i) => i % 3) };
    },
  });
  return {
    info: { name: 'squares', shape: [12, 12, 1], classes: 3, splits: { train, test }, source: 'generated' },
    split: (name) => (name === 'train' ? split(0, train) : split(100, test)),
  };
}

describe('padDataset', () => {
  it('centres the images in zeros and keeps the labels and splits', async () => {
    const padded = padDataset(squares(4, 2), 16, 15);
    expect(padded.info).toMatchObject({ name: 'squares-16x15', shape: [16, 15, 1], splits: { train: 4, test: 2 }, classes: 3 });
    const [original, batch] = [await squares(4, 2).split('test').read([1]), await padded.split('test').read([1])];
    expect(batch.labels).toEqual(original.labels);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 15; x++) {
        const [sy, sx] = [y - 2, x - 1];
        const inside = sy >= 0 && sy < 12 && sx >= 0 && sx < 12;
        expect(batch.images[y * 15 + x]).toBe(inside ? original.images[sy * 12 + sx] : 0);
      }
    }
    expect(() => padDataset(squares(1, 1), 10, 12)).toThrow(/cannot pad 12x12 images to the smaller 10x12/);
  });
});
