import type { ImageShape } from '@asng/core';

/** PSNR reported for a perfect restoration: the mean squared error is floored at `1e-10`, so the value stays finite. */
export const MAX_PSNR = 100;

function clipUnit(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, where: string): void {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`${where}: expected two non-empty images of the same size, got ${a.length} and ${b.length} values`);
  }
}

/**
 * Peak signal-to-noise ratio of one image in dB, data range 1: both images
 * are clipped to `[0, 1]` first, as in the authors' evaluation, then
 * `-10 log10(mse)` over every pixel and channel (capped at {@link MAX_PSNR}).
 */
export function psnr(output: ArrayLike<number>, target: ArrayLike<number>): number {
  checkLengths(output, target, 'psnr');
  let sum = 0;
  for (let i = 0; i < output.length; i++) {
    const d = clipUnit(output[i]!) - clipUnit(target[i]!);
    sum += d * d;
  }
  return -10 * Math.log10(Math.max(sum / output.length, 10 ** (-MAX_PSNR / 10)));
}

/**
 * The normalised 1-D Gaussian window of scipy's `gaussian_filter`:
 * `radius = floor(truncate * sigma + 0.5)` taps either side (5 for sigma 1.5
 * and truncate 3.5, an 11-tap window).
 */
export function gaussianWindow(sigma = 1.5, truncate = 3.5): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += w[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < w.length; i++) w[i]! /= total;
  return w;
}

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** Standard deviation of the Gaussian window. @default 1.5 */
  readonly sigma?: number;
  /** Dynamic range of the pixel values. @default 1 */
  readonly dataRange?: number;
}

/**
 * Structural similarity of two HWC images, by the definition of
 * scikit-image's `structural_similarity(a, b, gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=-1)`:
 * per channel, Gaussian-weighted local means, population variances and
 * covariance (11x11 window, truncate 3.5), `K1 = 0.01`, `K2 = 0.03`; the SSIM
 * map is cropped by the window radius (5 pixels) on every side before its
 * mean, so scikit-image's reflected borders never enter the result; then the
 * mean over channels. Like scikit-image, it needs images at least as large
 * as the window (11x11). No clipping: clip the images first if they may
 * leave the data range.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, shape: ImageShape, options: SsimOptions = {}): number {
  checkLengths(a, b, 'ssim');
  const [h, w, c] = shape;
  if (a.length !== h * w * c) throw new RangeError(`ssim: shape [${shape.join(', ')}] holds ${h * w * c} values, got ${a.length}`);
  const g = gaussianWindow(options.sigma ?? 1.5);
  const r = (g.length - 1) / 2;
  if (h < g.length || w < g.length) {
    throw new RangeError(`ssim: images must be at least ${g.length}x${g.length} (the window), got ${h}x${w}`);
  }
  const range = options.dataRange ?? 1;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const [oh, ow] = [h - 2 * r, w - 2 * r];
  // Separable filtering, rows first: for each kept output pixel only the rows and columns its window covers.
  const planes = 5;
  const rowPass = new Float64Array(planes * h * ow);
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    rowPass.fill(0);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        let sa = 0;
        let sb = 0;
        let saa = 0;
        let sbb = 0;
        let sab = 0;
        for (let t = 0; t < g.length; t++) {
          const at = (y * w + x + t) * c + ch;
          const va = a[at]!;
          const vb = b[at]!;
          const wt = g[t]!;
          sa += wt * va;
          sb += wt * vb;
          saa += wt * va * va;
          sbb += wt * vb * vb;
          sab += wt * va * vb;
        }
        const o = y * ow + x;
        const stride = h * ow;
        rowPass[o] = sa;
        rowPass[stride + o] = sb;
        rowPass[2 * stride + o] = saa;
        rowPass[3 * stride + o] = sbb;
        rowPass[4 * stride + o] = sab;
      }
    }
    let sum = 0;
    const stride = h * ow;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let ua = 0;
        let ub = 0;
        let uaa = 0;
        let ubb = 0;
        let uab = 0;
        for (let t = 0; t < g.length; t++) {
          const o = (y + t) * ow + x;
          const wt = g[t]!;
          ua += wt * rowPass[o]!;
          ub += wt * rowPass[stride + o]!;
          uaa += wt * rowPass[2 * stride + o]!;
          ubb += wt * rowPass[3 * stride + o]!;
          uab += wt * rowPass[4 * stride + o]!;
        }
        const va = uaa - ua * ua;
        const vb = ubb - ub * ub;
        const vab = uab - ua * ub;
        sum += ((2 * ua * ub + c1) * (2 * vab + c2)) / ((ua * ua + ub * ub + c1) * (va + vb + c2));
      }
    }
    total += sum / (oh * ow);
  }
  return total / c;
}
