import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's `BatchNorm2d` default epsilon. */
export const BN_EPSILON = 1e-5;

/** The mean over the batch and spatial axes of an NHWC tensor, as a sum (one pass over adjacent axes on wasm; its mean kernel transposes first). */
function channelMean(x: tf.Tensor): tf.Tensor1D {
  return tf.mul(tf.sum(x, [0, 1, 2]), 1 / (x.size / x.shape[3]!));
}

/**
 * A fused training-mode batch norm kernel (`[y, mean, variance]` from `{ x }`)
 * and its gradient, registered for wasm by `@asng/tfjs-wasm-training`; where
 * the active backend lacks them, composite ops do the same.
 */
const NORMALIZE_BATCH = 'NormalizeBatch';
const NORMALIZE_BATCH_GRAD = 'NormalizeBatchGrad';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * `(x - mean) / sqrt(variance + eps)` over the batch and spatial axes, with the
 * batch statistics, and the closed-form gradient
 * `(dy - mean(dy) - xhat mean(dy xhat)) / sqrt(variance + eps)`: one tape node
 * instead of a dozen, and none of the full-size temporaries autodiff makes.
 * `update` receives the batch mean and (biased) variance.
 */
export function normalizeBatch(x: tf.Tensor4D, update?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void): tf.Tensor4D {
  const fused = hasKernel(NORMALIZE_BATCH) && hasKernel(NORMALIZE_BATCH_GRAD);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    if (fused) {
      const [xhat, mean, variance] = tf.engine().runKernel(NORMALIZE_BATCH, { x: input }, { epsilon: BN_EPSILON }) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
      update?.(mean, variance);
      save([xhat, variance]);
      return {
        value: xhat,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [y, v] = saved as [tf.Tensor, tf.Tensor];
          return tf.engine().runKernel(NORMALIZE_BATCH_GRAD, { dy, y, variance: v }, { epsilon: BN_EPSILON }) as tf.Tensor;
        },
      };
    }
    const mean = channelMean(input);
    const centred = tf.sub(input, mean);
    const variance = channelMean(tf.square(centred));
    const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const xhat = tf.mul(centred, invStd);
    update?.(mean, variance);
    save([xhat, invStd]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [normalized, scale] = saved as [tf.Tensor, tf.Tensor];
        const meanDy = channelMean(dy);
        const meanDyX = channelMean(tf.mul(dy, normalized));
        return tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(normalized, meanDyX)), scale);
      },
    };
  });
  return f(x) as tf.Tensor4D;
}
