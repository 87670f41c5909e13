import * as tf from '@tensorflow/tfjs-core';
import { leading, withLeading } from './budget-width.js';
import { BN_EPSILON, normalizeBatch } from './normalize-batch.js';

/** PyTorch's `BatchNorm2d` default: running statistics move by 10% a step. */
const BN_MOMENTUM = 0.1;

/**
 * How batch norm normalises: `'train'` with the batch statistics and updating
 * the moving ones, `'batch'` with the batch statistics only, `'moving'` with
 * the moving statistics.
 */
export type NormMode = 'train' | 'batch' | 'moving';

/** A batch norm's moving statistics, and its affine parameters where it has them. */
export interface BatchNormWeights {
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;
}

/** Batch norm over the channels of `x`, the leading ones of `w`'s. */
export function batchNorm(x: tf.Tensor4D, w: BatchNormWeights, mode: NormMode): tf.Tensor4D {
  const c = [x.shape[3]];
  let y: tf.Tensor4D;
  if (mode === 'moving') {
    y = tf.mul(tf.sub(x, leading(w.mean, c)), tf.rsqrt(tf.add(leading(w.variance, c), BN_EPSILON)));
  } else if (mode === 'batch') {
    y = normalizeBatch(x);
  } else {
    // As PyTorch: the moving variance is the unbiased estimate.
    const n = x.size / x.shape[3];
    const unbiased = n > 1 ? n / (n - 1) : 1;
    y = normalizeBatch(x, (mean, variance) => {
      const moved = (v: tf.Variable, batch: tf.Tensor1D, scale: number) =>
        withLeading(v as tf.Tensor1D, tf.add(tf.mul(leading(v, c), 1 - BN_MOMENTUM), tf.mul(batch, BN_MOMENTUM * scale)) as tf.Tensor1D);
      w.mean.assign(moved(w.mean, mean, 1));
      w.variance.assign(moved(w.variance, variance, unbiased));
    });
  }
  if (w.gamma !== undefined && w.beta !== undefined) y = tf.add(tf.mul(y, leading(w.gamma, c)), leading(w.beta, c));
  return y;
}
