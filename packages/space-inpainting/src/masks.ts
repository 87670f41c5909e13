import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from '@asng/core';

/**
 * A corruption of the input images: for each image, which pixels are kept
 * (`1`) and which are set to zero (`0`), the same for every channel. The
 * network sees the zeroed image, with no extra mask channel.
 */
export interface Mask {
  /** Identifier: `'center'`, `'random-pixel'`, `'random-half'`. */
  readonly name: string;
  /** One image's mask, `height * width` values of `0` or `1` in row-major order, drawn from `rng` if random. */
  sample(height: number, width: number, rng: RandomSource): Uint8Array;
}

/** The names of the masks of the paper. */
export type MaskName = 'center' | 'random-pixel' | 'random-half';

/**
 * The Center mask: rows and columns from `floor(0.25 H)` (inclusive) to
 * `floor(0.75 H)` (exclusive) are zeroed, the middle square of half the
 * image's size. Draws nothing from the RNG.
 */
export function centerMask(): Mask {
  return {
    name: 'center',
    sample(height, width) {
      const out = new Uint8Array(height * width).fill(1);
      const [top, bottom] = [Math.floor(0.25 * height), Math.floor(0.75 * height)];
      const [left, right] = [Math.floor(0.25 * width), Math.floor(0.75 * width)];
      for (let y = top; y < bottom; y++) out.fill(0, y * width + left, y * width + right);
      return out;
    },
  };
}

/** Options of {@link randomPixelMask}. */
export interface RandomPixelMaskOptions {
  /** Probability that a pixel is zeroed. @default 0.8 */
  readonly dropProbability?: number;
}

/**
 * The RandomPixel mask: each pixel (all its channels together) is zeroed
 * independently with probability `dropProbability`, drawn afresh for every
 * image and every call (one `rng.uniform()` per pixel, row-major).
 */
export function randomPixelMask(options: RandomPixelMaskOptions = {}): Mask {
  const p = options.dropProbability ?? 0.8;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomPixelMask: dropProbability must be in [0, 1], got ${p}`);
  return {
    name: 'random-pixel',
    sample(height, width, rng) {
      const out = new Uint8Array(height * width);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < p ? 0 : 1;
      return out;
    },
  };
}

/** The four halves {@link randomHalfMask} picks from, in the order of `rng.int(4)`. */
export const HALVES = ['left', 'top', 'right', 'bottom'] as const;

/**
 * The RandomHalf mask: per image, one of the left, top, right or bottom
 * halves (chosen by `rng.int(4)`, in the order of {@link HALVES}) is zeroed:
 * columns `[0, floor(W/2))`, rows `[0, floor(H/2))`, columns
 * `[floor(W/2), W)` or rows `[floor(H/2), H)`.
 */
export function randomHalfMask(): Mask {
  return {
    name: 'random-half',
    sample(height, width, rng) {
      const out = new Uint8Array(height * width).fill(1);
      const half = HALVES[rng.int(4)]!;
      const [midY, midX] = [Math.floor(height / 2), Math.floor(width / 2)];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const dropped = (half === 'left' && x < midX) || (half === 'top' && y < midY) || (half === 'right' && x >= midX) || (half === 'bottom' && y >= midY);
          if (dropped) out[y * width + x] = 0;
        }
      }
      return out;
    },
  };
}

/** The mask of the paper with this name, with its default settings. */
export function maskByName(name: MaskName): Mask {
  switch (name) {
    case 'center':
      return centerMask();
    case 'random-pixel':
      return randomPixelMask();
    case 'random-half':
      return randomHalfMask();
    default:
      throw new RangeError(`unknown mask ${JSON.stringify(name)}: expected 'center', 'random-pixel' or 'random-half'`);
  }
}

/**
 * The masks of a batch of `n` images of `height x width`, one per image drawn
 * from `rng` in batch order: `n * height * width` values, `1` kept and `0`
 * dropped, image after image. {@link applyMask} draws exactly these.
 */
export function sampleMasks(mask: Mask, n: number, height: number, width: number, rng: RandomSource): Float32Array {
  const keep = new Float32Array(n * height * width);
  for (let i = 0; i < n; i++) keep.set(mask.sample(height, width, rng), i * height * width);
  return keep;
}

/** A corrupted batch and the masks that corrupted it. */
export interface CorruptedImages {
  /** The images with the masked pixels zeroed. */
  readonly inputs: tf.Tensor4D;
  /** `[n, height, width, 1]`: `1` where a pixel was kept, `0` where it was dropped. */
  readonly keep: tf.Tensor4D;
}

/**
 * Corrupts a batch of NHWC images as {@link applyMask} does (the same draws
 * from `rng`), and also returns the masks, which a restoration that must
 * know the hole (mean fill) needs: a visible pixel may be black too. The
 * caller disposes both tensors; `images` stays the caller's.
 */
export function corruptImages(images: tf.Tensor4D, mask: Mask, rng: RandomSource): CorruptedImages {
  const [n, h, w] = images.shape;
  const keep = tf.tensor4d(sampleMasks(mask, n, h, w, rng), [n, h, w, 1]);
  return { inputs: tf.tidy(() => tf.mul(images, keep)), keep };
}

/**
 * Zeroes the masked pixels of a batch of NHWC images: one mask per image,
 * drawn from `rng` in batch order, shared by all channels. Returns a new
 * tensor; `images` stays the caller's.
 */
export function applyMask(images: tf.Tensor4D, mask: Mask, rng: RandomSource): tf.Tensor4D {
  const [n, h, w] = images.shape;
  const keep = sampleMasks(mask, n, h, w, rng);
  return tf.tidy(() => tf.mul(images, tf.tensor4d(keep, [n, h, w, 1])));
}
