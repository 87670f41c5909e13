import * as tf from '@tensorflow/tfjs-core';

/**
 * A filter with `dilation - 1` zeros between its taps: a convolution with it
 * equals the dilated convolution with `filter`, and tfjs-core's own gradients
 * differentiate it (through pad, reshape and slice), which makes an
 * independent reference for dilated-convolution gradients.
 */
export function spreadFilter(filter: tf.Tensor4D, dilation: number | [number, number]): tf.Tensor4D {
  const [dh, dw] = typeof dilation === 'number' ? [dilation, dilation] : dilation;
  if (dh === 1 && dw === 1) return filter;
  const [kh, kw, inC, outC] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, inC, outC]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  const full = tf.reshape(spread, [kh * dh, kw * dw, inC, outC]);
  return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, inC, outC]) as tf.Tensor4D;
}
