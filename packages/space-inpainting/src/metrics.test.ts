import { Rng } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { MAX_PSNR, gaussianWindow, psnr, ssim } from './metrics.js';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** The Gaussian weight of offset `i`, normalised over `-5..5`, written out independently of `gaussianWindow`. */
function weight(i: number): number {
  let total = 0;
  for (let t = -5; t <= 5; t++) total += Math.exp(-(t * t) / (2 * 1.5 * 1.5));
  return Math.exp(-(i * i) / (2 * 1.5 * 1.5)) / total;
}

/** SSIM by direct 11x11 windows over the pixels whose window fits in the image: no separability, no cropping step. */
function bruteForceSsim(a: Float64Array, b: Float64Array, h: number, w: number, c: number): number {
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let count = 0;
    for (let y = 5; y < h - 5; y++) {
      for (let x = 5; x < w - 5; x++) {
        let [ua, ub, uaa, ubb, uab] = [0, 0, 0, 0, 0];
        for (let i = -5; i <= 5; i++) {
          for (let j = -5; j <= 5; j++) {
            const g = weight(i) * weight(j);
            const va = a[((y + i) * w + (x + j)) * c + ch]!;
            const vb = b[((y + i) * w + (x + j)) * c + ch]!;
            ua += g * va;
            ub += g * vb;
            uaa += g * va * va;
            ubb += g * vb * vb;
            uab += g * va * vb;
          }
        }
        const [sa, sb, sab] = [uaa - ua * ua, ubb - ub * ub, uab - ua * ub];
        sum += ((2 * ua * ub + C1) * (2 * sab + C2)) / ((ua * ua + ub * ub + C1) * (sa + sb + C2));
        count++;
      }
    }
    total += sum / count;
  }
  return total / c;
}

function randomImage(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.uniform());
}

describe('psnr', () => {
  it('is -10 log10(mse) on the images clipped to [0, 1]', () => {
    expect(psnr([0.5, 0.5, 0.5, 0.5], [0, 0, 0, 0])).toBeCloseTo(10 * Math.log10(4), 12);
    expect(psnr([0.1, 0.3], [0.2, 0.1])).toBeCloseTo(-10 * Math.log10((0.01 + 0.04) / 2), 12);
    // 1.5 is clipped to 1, so the error is 0.5 and not 1.
    expect(psnr([1.5], [0.5])).toBeCloseTo(10 * Math.log10(4), 12);
    expect(psnr([2, -1], [1, 0])).toBe(MAX_PSNR);
  });

  it('rejects images of different sizes', () => {
    expect(() => psnr([1, 2], [1])).toThrow(/psnr: expected two non-empty images of the same size, got 2 and 1 values/);
  });
});

describe('ssim (scikit-image definition, gaussian_weights=True, sigma 1.5, population covariance, data range 1)', () => {
  it('uses the 11-tap Gaussian window of scipy (truncate 3.5)', () => {
    const g = gaussianWindow();
    expect(g.length).toBe(11);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
    for (let i = -5; i <= 5; i++) expect(g[i + 5]).toBeCloseTo(weight(i), 15);
  });

  it('is 1 for identical images', () => {
    const a = randomImage(12 * 14 * 3, 1);
    expect(ssim(a, a, [12, 14, 3])).toBeCloseTo(1, 12);
  });

  it('is (2ab + C1) / (a^2 + b^2 + C1) for constant images a and b', () => {
    const a = new Float64Array(11 * 11).fill(0.2);
    const b = new Float64Array(11 * 11).fill(0.7);
    expect(ssim(a, b, [11, 11, 1])).toBeCloseTo((2 * 0.2 * 0.7 + C1) / (0.04 + 0.49 + C1), 12);
    expect(ssim(new Float64Array(121), new Float64Array(121).fill(1), [11, 11, 1])).toBeCloseTo(C1 / (1 + C1), 14);
  });

  it('matches the closed form of a checkerboard against its mean, and averages over channels', () => {
    // x = m + e (-1)^(y+x); against the constant m: u_x = m +/- e s^2 with s = sum_i g_i (-1)^i,
    // var_x = e^2 (1 - s^4), var_y = cov = 0.
    const [h, w, m, e] = [13, 12, 0.5, 0.3];
    let s = 0;
    for (let i = -5; i <= 5; i++) s += weight(i) * (i % 2 === 0 ? 1 : -1);
    const vx = e * e * (1 - s ** 4);
    const at = (u: number) => ((2 * u * m + C1) * C2) / ((u * u + m * m + C1) * (vx + C2));
    // The map is cropped to rows 5..7 and columns 5..6: three pixels of each parity.
    const expected = (at(m + e * s * s) + at(m - e * s * s)) / 2;
    const board = new Float64Array(h * w * 2);
    const flat = new Float64Array(h * w * 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        board[(y * w + x) * 2] = m + e * ((y + x) % 2 === 0 ? 1 : -1);
        flat[(y * w + x) * 2] = m;
        board[(y * w + x) * 2 + 1] = flat[(y * w + x) * 2 + 1] = (y * 7 + x * 3) / 200;
      }
    }
    expect(expected).toBeLessThan(0.2);
    expect(ssim(board, flat, [h, w, 2])).toBeCloseTo((expected + 1) / 2, 12);
  });

  it('equals a brute-force 11x11-window SSIM over the interior, and is symmetric', () => {
    const [h, w, c] = [15, 13, 2];
    const a = randomImage(h * w * c, 2);
    const b = Float64Array.from(a, (v, i) => Math.min(1, Math.max(0, v + 0.3 * (randomImage(1, 100 + i)[0]! - 0.5))));
    const value = ssim(a, b, [h, w, c]);
    expect(value).toBeGreaterThan(0.2);
    expect(value).toBeLessThan(0.99);
    expect(value).toBeCloseTo(bruteForceSsim(a, b, h, w, c), 12);
    expect(ssim(b, a, [h, w, c])).toBeCloseTo(value, 14);
  });

  it('rejects images smaller than the window, as scikit-image does', () => {
    expect(() => ssim(new Float64Array(100), new Float64Array(100), [10, 10, 1])).toThrow(/at least 11x11/);
    expect(() => ssim(new Float64Array(100), new Float64Array(100), [11, 11, 1])).toThrow(/holds 121 values, got 100/);
  });
});
