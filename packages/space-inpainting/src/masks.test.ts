import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@asng/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HALVES, applyMask, centerMask, maskByName, randomHalfMask, randomPixelMask } from './masks.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function zerosAt(mask: Uint8Array, width: number): [number, number][] {
  const out: [number, number][] = [];
  mask.forEach((v, i) => {
    if (v === 0) out.push([Math.floor(i / width), i % width]);
  });
  return out;
}

describe('centerMask', () => {
  it('zeroes rows and columns floor(0.25 H) to floor(0.75 H), exclusive', () => {
    const rng = new Rng(1);
    const square = centerMask().sample(8, 8, rng);
    const expected: [number, number][] = [];
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) expected.push([y, x]);
    expect(zerosAt(square, 8)).toEqual(expected);
    // 7 x 9: rows floor(1.75) = 1 .. floor(5.25) = 5, columns floor(2.25) = 2 .. floor(6.75) = 6.
    const odd = centerMask().sample(7, 9, rng);
    const rows = new Set(zerosAt(odd, 9).map(([y]) => y));
    const cols = new Set(zerosAt(odd, 9).map(([, x]) => x));
    expect([...rows]).toEqual([1, 2, 3, 4]);
    expect([...cols]).toEqual([2, 3, 4, 5]);
    expect(zerosAt(odd, 9).length).toBe(16);
    // Deterministic: it draws nothing.
    expect(rng.getState()).toEqual(new Rng(1).getState());
  });
});

describe('randomPixelMask', () => {
  it('drops about 80% of the pixels, fresh per image, and is reproducible from the seed', () => {
    const mask = randomPixelMask();
    const rng = new Rng(7);
    const a = mask.sample(64, 64, rng);
    const b = mask.sample(64, 64, rng);
    const dropped = (m: Uint8Array) => m.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / m.length;
    // 4096 Bernoulli(0.8) draws: the standard deviation of the rate is 0.00625.
    expect(dropped(a)).toBeGreaterThan(0.775);
    expect(dropped(a)).toBeLessThan(0.825);
    expect(dropped(b)).toBeGreaterThan(0.775);
    expect(dropped(b)).toBeLessThan(0.825);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const again = new Rng(7);
    expect(Array.from(mask.sample(64, 64, again))).toEqual(Array.from(a));
    expect(Array.from(mask.sample(64, 64, again))).toEqual(Array.from(b));
    expect(Array.from(mask.sample(64, 64, new Rng(8)))).not.toEqual(Array.from(a));
  });

  it('takes another drop probability, and checks it', () => {
    const m = randomPixelMask({ dropProbability: 0.25 }).sample(100, 100, new Rng(3));
    const rate = m.reduce((s, v) => s + (v === 0 ? 1 : 0), 0) / m.length;
    expect(Math.abs(rate - 0.25)).toBeLessThan(0.02);
    expect(() => randomPixelMask({ dropProbability: 1.5 })).toThrow(/dropProbability must be in \[0, 1\], got 1.5/);
  });
});

describe('randomHalfMask', () => {
  it('zeroes the left, top, right or bottom half chosen by rng.int(4)', () => {
    const [h, w] = [5, 6];
    const expected = {
      left: (_y: number, x: number) => x < 3,
      top: (y: number) => y < 2,
      right: (_y: number, x: number) => x >= 3,
      bottom: (y: number) => y >= 2,
    };
    const rng = new Rng(11);
    const seen = new Map<string, number>();
    for (let t = 0; t < 200; t++) {
      const half = HALVES[Rng.fromState(rng.getState()).int(4)]!;
      const m = randomHalfMask().sample(h, w, rng);
      seen.set(half, (seen.get(half) ?? 0) + 1);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(m[y * w + x]).toBe(expected[half](y, x) ? 0 : 1);
    }
    for (const half of HALVES) expect(seen.get(half)).toBeGreaterThan(30);
  });
});

describe('applyMask', () => {
  it('zeroes every channel of the masked pixels, one mask per image, and returns a new tensor', () => {
    const rng = new Rng(5);
    const images = tf.add(tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 1), 0.5) as tf.Tensor4D;
    const out = applyMask(images, maskByName('random-pixel'), rng);
    const [x, y] = [images.arraySync(), out.arraySync()];
    const replay = new Rng(5);
    const masks = [0, 1, 2].map(() => randomPixelMask().sample(8, 8, replay));
    for (let i = 0; i < 3; i++) {
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          for (let ch = 0; ch < 3; ch++) expect(y[i]![r]![c]![ch]).toBe(masks[i]![r * 8 + c] === 1 ? x[i]![r]![c]![ch] : 0);
        }
      }
    }
    expect(masks[0]).not.toEqual(masks[1]);
    expect(images.isDisposed).toBe(false);
    tf.dispose([images, out]);
  });

  it('names the masks of the paper', () => {
    expect(['center', 'random-pixel', 'random-half'].map((n) => maskByName(n as 'center').name)).toEqual(['center', 'random-pixel', 'random-half']);
    expect(() => maskByName('corner' as 'center')).toThrow(/unknown mask "corner"/);
  });
});
