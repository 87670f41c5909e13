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

/**
 * Separable filtering of one `h x w` plane by the window `g` along rows, then
 * columns, keeping only the outputs whose window lies inside the plane:
 * `(h - g.length + 1) x (w - g.length + 1)` values.
 */
function filterValid(plane: Float64Array, h: number, w: number, g: Float64Array): Float64Array {
  const [oh, ow] = [h - g.length + 1, w - g.length + 1];
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let sum = 0;
      for (let t = 0; t < g.length; t++) sum += g[t]! * plane[y * w + x + t]!;
      rows[y * ow + x] = sum;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sum = 0;
      for (let t = 0; t < g.length; t++) sum += g[t]! * rows[(y + t) * ow + x]!;
      out[y * ow + x] = sum;
    }
  }
  return out;
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
  if (h < g.length || w < g.length) {
    throw new RangeError(`ssim: images must be at least ${g.length}x${g.length} (the window), got ${h}x${w}`);
  }
  const range = options.dataRange ?? 1;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const planes = Array.from({ length: 5 }, () => new Float64Array(h * w));
  const [pa, pb, paa, pbb, pab] = planes as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h * w; i++) {
      const va = a[i * c + ch]!;
      const vb = b[i * c + ch]!;
      pa[i] = va;
      pb[i] = vb;
      paa[i] = va * va;
      pbb[i] = vb * vb;
      pab[i] = va * vb;
    }
    const [ua, ub, uaa, ubb, uab] = planes.map((plane) => filterValid(plane, h, w, g)) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    let sum = 0;
    for (let i = 0; i < ua.length; i++) {
      const [ma, mb] = [ua[i]!, ub[i]!];
      const va = uaa[i]! - ma * ma;
      const vb = ubb[i]! - mb * mb;
      const vab = uab[i]! - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
    total += sum / ua.length;
  }
  return total / c;
}
