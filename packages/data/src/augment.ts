import type { ImageShape, RandomSource } from '@asng/core';

/** The augmentations of the paper's CIFAR-10 training, each optional. */
export interface AugmentOptions {
  /** Random crop of the image padded by `padding` pixels on each side (padding is black). */
  readonly crop?: { readonly padding: number };
  /** Mirrors each image left-right with probability 1/2. */
  readonly flip?: boolean;
  /** Cutout (DeVries and Taylor, 2017): zeroes a `size` x `size` square centred anywhere in the image, clipped at its edges. */
  readonly cutout?: { readonly size: number };
}

/** Per-channel normalisation applied after scaling to `[0, 1]`: `(x - mean) / std`. */
export interface Normalization {
  /** One mean per channel. */
  readonly mean: readonly number[];
  /** One standard deviation per channel. */
  readonly std: readonly number[];
}

/** The random choices for one image, drawn in a fixed order so that streams are reproducible. */
export interface AugmentDraw {
  /** Vertical crop offset in `[-padding, padding]`: output row `y` reads source row `y + dy`. */
  readonly dy: number;
  /** Horizontal crop offset in `[-padding, padding]`, applied after the flip. */
  readonly dx: number;
  /** Whether the image is mirrored left-right. */
  readonly flip: boolean;
  /** Row of the cutout square's centre, `-1` for no cutout. */
  readonly cutY: number;
  /** Column of the cutout square's centre, `-1` for no cutout. */
  readonly cutX: number;
}

const NO_DRAW: AugmentDraw = { dy: 0, dx: 0, flip: false, cutY: -1, cutX: -1 };

/** Draws the augmentation of one image: crop offsets, then flip, then the cutout centre. */
export function drawAugmentation(options: AugmentOptions | undefined, shape: ImageShape, rng: RandomSource): AugmentDraw {
  if (options === undefined) return NO_DRAW;
  const [height, width] = shape;
  const padding = options.crop?.padding ?? 0;
  const dy = options.crop ? rng.int(2 * padding + 1) - padding : 0;
  const dx = options.crop ? rng.int(2 * padding + 1) - padding : 0;
  const flip = options.flip ? rng.uniform() < 0.5 : false;
  const cutY = options.cutout ? rng.int(height) : -1;
  const cutX = options.cutout ? rng.int(width) : -1;
  return { dy, dx, flip, cutY, cutX };
}

/** Checks augmentation and normalisation options against an image shape. */
export function checkAugmentOptions(options: AugmentOptions | undefined, normalize: Normalization | undefined, shape: ImageShape): void {
  const padding = options?.crop?.padding;
  if (padding !== undefined && !(Number.isInteger(padding) && padding >= 0))
    throw new RangeError(`augment.crop.padding must be a non-negative integer, got ${padding}`);
  const size = options?.cutout?.size;
  if (size !== undefined && !(Number.isInteger(size) && size > 0)) throw new RangeError(`augment.cutout.size must be a positive integer, got ${size}`);
  if (normalize) {
    const channels = shape[2];
    if (normalize.mean.length !== channels || normalize.std.length !== channels) {
      throw new RangeError(
        `normalize: expected ${channels} means and standard deviations (one per channel), got ${normalize.mean.length} and ${normalize.std.length}`,
      );
    }
    if (!normalize.std.every((s) => s > 0)) throw new RangeError(`normalize.std must be positive, got ${normalize.std.join(', ')}`);
  }
}

/** A table from byte value to output value per channel: `lut[c * 256 + v]`. */
export function valueTable(channels: number, normalize: Normalization | undefined): Float32Array {
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = normalize?.mean[c] ?? 0;
    const std = normalize?.std[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean) / std;
  }
  return lut;
}

/**
 * Writes one `uint8` HWC image into `out` (float, HWC) at `offset`: scaled,
 * normalised, cropped, flipped and cut out as `draw` says.
 */
export function renderImage(
  source: Uint8Array,
  sourceOffset: number,
  shape: ImageShape,
  draw: AugmentDraw,
  cutoutSize: number,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  const [height, width, channels] = shape;
  for (let y = 0; y < height; y++) {
    const sy = y + draw.dy;
    for (let x = 0; x < width; x++) {
      const sx = (draw.flip ? width - 1 - x : x) + draw.dx;
      const o = offset + (y * width + x) * channels;
      if (sy < 0 || sy >= height || sx < 0 || sx >= width) {
        for (let c = 0; c < channels; c++) out[o + c] = lut[c * 256]!;
      } else {
        const s = sourceOffset + (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = lut[c * 256 + source[s + c]!]!;
      }
    }
  }
  if (draw.cutY >= 0) {
    const y0 = Math.max(0, draw.cutY - (cutoutSize >> 1));
    const y1 = Math.min(height, draw.cutY - (cutoutSize >> 1) + cutoutSize);
    const x0 = Math.max(0, draw.cutX - (cutoutSize >> 1));
    const x1 = Math.min(width, draw.cutX - (cutoutSize >> 1) + cutoutSize);
    for (let y = y0; y < y1; y++) out.fill(0, offset + (y * width + x0) * channels, offset + (y * width + x1) * channels);
  }
}
