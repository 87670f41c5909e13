import { describe, expect, it } from 'vitest';
import { Rng } from '@asng/core';
import { drawAugmentation, renderImage, valueTable, type AugmentDraw } from './augment.js';

// A 3x4 grey image with pixel value 10*y + x.
const shape = [3, 4, 1] as const;
const image = Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
const lut = valueTable(1, undefined);

function render(draw: Partial<AugmentDraw>, cutout = 0): number[][] {
  const out = new Float32Array(12);
  renderImage(image, 0, shape, { dy: 0, dx: 0, flip: false, cutY: -1, cutX: -1, ...draw }, cutout, lut, out, 0);
  const rows: number[][] = [];
  for (let y = 0; y < 3; y++) rows.push(Array.from(out.subarray(y * 4, y * 4 + 4), (v) => Math.round(v * 255)));
  return rows;
}

describe('augmentation', () => {
  it('renders the image unchanged without a draw', () => {
    expect(render({})).toEqual([
      [0, 1, 2, 3],
      [10, 11, 12, 13],
      [20, 21, 22, 23],
    ]);
  });

  it('crops the zero-padded image at the drawn offset', () => {
    expect(render({ dy: 1, dx: -1 })).toEqual([
      [0, 10, 11, 12],
      [0, 20, 21, 22],
      [0, 0, 0, 0],
    ]);
  });

  it('mirrors left-right', () => {
    expect(render({ flip: true })).toEqual([
      [3, 2, 1, 0],
      [13, 12, 11, 10],
      [23, 22, 21, 20],
    ]);
  });

  it('cuts out a square around the drawn centre, clipped at the edges', () => {
    expect(render({ cutY: 0, cutX: 3 }, 2)).toEqual([
      [0, 1, 0, 0],
      [10, 11, 12, 13],
      [20, 21, 22, 23],
    ]);
    expect(render({ cutY: 1, cutX: 1 }, 3)).toEqual([
      [0, 0, 0, 3],
      [0, 0, 0, 13],
      [0, 0, 0, 23],
    ]);
  });

  it('draws offsets within the padding, flips about half the time, centres anywhere', () => {
    const rng = new Rng(7);
    const draws = Array.from({ length: 4000 }, () => drawAugmentation({ crop: { padding: 2 }, flip: true, cutout: { size: 2 } }, [32, 32, 3], rng));
    expect(new Set(draws.map((d) => d.dy))).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(new Set(draws.map((d) => d.dx))).toEqual(new Set([-2, -1, 0, 1, 2]));
    const flips = draws.filter((d) => d.flip).length / draws.length;
    expect(flips).toBeGreaterThan(0.45);
    expect(flips).toBeLessThan(0.55);
    expect(Math.min(...draws.map((d) => d.cutY))).toBe(0);
    expect(Math.max(...draws.map((d) => d.cutX))).toBe(31);
  });
});
