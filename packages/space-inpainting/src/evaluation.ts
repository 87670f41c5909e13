import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit, RandomSource } from '@asng/core';
import { corruptImages, type Mask } from './masks.js';
import { psnr, ssim } from './metrics.js';

/** Sums over a batch of per-image scores. */
export interface RestorationSums {
  /** Sum of the per-image PSNR (dB) of the outputs clipped to `[0, 1]`. */
  readonly psnr: number;
  /** Sum of the per-image SSIM of the clipped outputs. */
  readonly ssim: number;
  /** Sum of the per-image mean squared error of the raw (unclipped) outputs: the training loss. */
  readonly loss: number;
}

/**
 * Scores a batch of restorations image by image: PSNR and SSIM of each
 * output clipped to `[0, 1]` against its target, and the mean squared error
 * of the raw output; returns the sums over the batch. `outputs` and
 * `targets` hold `n` HWC images of `shape`, one after the other.
 */
export function scoreRestorations(
  outputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  [n, h, w, c]: readonly [number, number, number, number],
): RestorationSums {
  const size = h * w * c;
  if (outputs.length !== n * size || targets.length !== n * size) {
    throw new RangeError(
      `scoreRestorations: expected ${n} images of ${h}x${w}x${c} (${n * size} values), got ${outputs.length} outputs and ${targets.length} targets`,
    );
  }
  const sums = { psnr: 0, ssim: 0, loss: 0 };
  const clipped = new Float32Array(size);
  const target = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let k = 0; k < size; k++) {
      const o = outputs[i * size + k]!;
      const t = targets[i * size + k]!;
      target[k] = t;
      se += (o - t) ** 2;
      clipped[k] = Math.min(1, Math.max(0, o));
    }
    sums.loss += se / size;
    sums.psnr += psnr(clipped, target);
    sums.ssim += ssim(clipped, target, [h, w, c]);
  }
  return sums;
}

/**
 * A restoration method: from corrupted images and their masks (`[n, h, w, 1]`,
 * `1` kept) to restored images of the same shape. It must not dispose its
 * arguments; the caller disposes the result. A model: `(x) => model.predict(x)`;
 * a supernet: `(x) => supernet.apply(architecture, x)`; the mean fill: `meanFill`.
 */
export type Restorer = (inputs: tf.Tensor4D, keep: tf.Tensor4D) => tf.Tensor4D;

/** Options of {@link evaluateRestoration}. */
export interface EvaluateRestorationOptions {
  /** The method evaluated. */
  readonly restore: Restorer;
  /** The clean test images (their labels, if any, are ignored). */
  readonly split: DatasetSplit;
  /** The corruption. */
  readonly mask: Mask;
  /** The source of the random masks, one per image in split order: give every method an RNG in the same state and they see the same holes. */
  readonly rng: RandomSource;
  /** Images per batch. @default 64 */
  readonly batchSize?: number;
  /** Evaluate only the first this many images. @default all */
  readonly maxImages?: number;
}

/** The mean scores of {@link evaluateRestoration}. */
export interface RestorationScores {
  /** Mean over the images of the PSNR (dB) of the output clipped to `[0, 1]`. */
  readonly psnr: number;
  /** Mean over the images of the SSIM (scikit-image's Gaussian definition) of the clipped output. */
  readonly ssim: number;
  /** Mean over the images of the mean squared error of the raw output. */
  readonly mse: number;
  /** How many images were scored. */
  readonly images: number;
}

/**
 * Evaluates a restoration method on a split: each image is scaled to
 * `[0, 1]`, corrupted with the mask, restored, and scored (PSNR, SSIM, MSE,
 * as {@link scoreRestorations}); the scores are averaged over the images.
 * Leaves no tensor behind.
 */
export async function evaluateRestoration(options: EvaluateRestorationOptions): Promise<RestorationScores> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evaluateRestoration: batchSize must be an integer >= 1, got ${batchSize}`);
  const total = Math.min(options.split.size, options.maxImages ?? options.split.size);
  if (!(total >= 1))
    throw new RangeError(`evaluateRestoration: nothing to evaluate (split of ${options.split.size} images, maxImages ${String(options.maxImages)})`);
  const sums = { psnr: 0, ssim: 0, loss: 0 };
  for (let start = 0; start < total; start += batchSize) {
    const count = Math.min(batchSize, total - start);
    const raw = await options.split.read(Int32Array.from({ length: count }, (_, i) => start + i));
    const [h, w, c] = raw.shape;
    const images = tf.tidy(() => tf.div(tf.tensor4d(raw.images, [count, h, w, c], 'int32'), 255) as tf.Tensor4D);
    const { inputs, keep } = corruptImages(images, options.mask, options.rng);
    let outputs: tf.Tensor4D | undefined;
    try {
      outputs = options.restore(inputs, keep);
      if (outputs.shape.some((d, i) => d !== images.shape[i])) {
        throw new RangeError(`evaluateRestoration: the restorer returned shape [${outputs.shape.join(', ')}] for inputs [${images.shape.join(', ')}]`);
      }
      const [o, t] = await Promise.all([outputs.data(), images.data()]);
      const batch = scoreRestorations(o, t, [count, h, w, c]);
      sums.psnr += batch.psnr;
      sums.ssim += batch.ssim;
      sums.loss += batch.loss;
    } finally {
      tf.dispose([images, inputs, keep, ...(outputs ? [outputs] : [])]);
    }
  }
  return { psnr: sums.psnr / total, ssim: sums.ssim / total, mse: sums.loss / total, images: total };
}
