import * as tf from '@tensorflow/tfjs-core';

/**
 * A filter with `dilation - 1` zeros between its taps: a convolution with it
 * equals the dilated convolution with `filter`, and tfjs-core's own gradients
 * differentiate it (through pad, reshape and slice), which makes an
 * independent reference for dilated-convolution gradients.
 */
export function spreadFilter(filter: tf.Tensor4D, dilation: number): tf.Tensor4D {
  if (dilation === 1) return filter;
  const [kh, kw, inC, outC] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, inC, outC]), [
    [0, 0],
    [0, dilation - 1],
    [0, 0],
    [0, dilation - 1],
    [0, 0],
    [0, 0],
  ]);
  const full = tf.reshape(spread, [kh * dilation, kw * dilation, inC, outC]);
  return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dilation + 1, (kw - 1) * dilation + 1, inC, outC]) as tf.Tensor4D;
}
