import * as tf from '@tensorflow/tfjs-core';
import { values } from './compare.js';
import { conv2dBiasActivation } from '../src/conv2d-bias-activation.js';

/** A network as named weight shapes and a loss of those weights on a batch. */
export interface Net {
  shapes: Record<string, number[]>;
  loss: (w: Record<string, tf.Tensor>, x: tf.Tensor4D, labels: tf.Tensor2D) => tf.Scalar;
}

const c4 = (t: tf.Tensor) => t as tf.Tensor4D;

function conv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor, stride = 1, dilation = 1): tf.Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, c4(w), stride, 'same', 'NHWC', dilation), b));
}

/** `conv` as one `FusedConv2D` kernel (bias and relu inside), as tf.layers' Conv2D runs it. */
function fusedConv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: c4(w), strides: 1, pad: 'same', bias: b, activation: 'relu' });
}

/** `conv` as this package's {@link conv2dBiasActivation}: one `FusedConv2D` forward, its registered gradient backward. */
function biasActivationConv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  return conv2dBiasActivation({ x, filter: c4(w), bias: b, strides: 1, pad: 'same', activation: 'relu' });
}

/**
 * How {@link benchmarkNet} runs each convolution with its bias and relu:
 * `false` as separate `Conv2D`, `Add` and `Relu` kernels; `true` as
 * `tf.fused.conv2d` (tfjs-core's customGrad); `'conv2dBiasActivation'` as this
 * package's op.
 */
export type FusedMode = boolean | 'conv2dBiasActivation';

function head(h: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor, labels: tf.Tensor2D): tf.Scalar {
  const logits = tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, w as tf.Tensor2D), b);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/**
 * The benchmark net at width `c` (32 in the benchmark): conv3x3 3->c,
 * conv3x3 c->c, maxpool 2x2/2, separable conv (depthwise 5x5, pointwise
 * c->2c), conv3x3 2c->2c (each + bias + relu), global mean, dense 2c->10.
 * `fused`: each convolution with its bias and relu as one `FusedConv2D`
 * kernel (the separable one as a depthwise convolution, then a fused 1x1),
 * through `tf.fused.conv2d` (`true`, as tf.layers runs a `Conv2D` layer) or
 * {@link conv2dBiasActivation} (`'conv2dBiasActivation'`); the same function
 * either way.
 */
export function benchmarkNet(c = 32, { fused = false }: { fused?: FusedMode } = {}): Net {
  const fusedLayer = fused === 'conv2dBiasActivation' ? biasActivationConv : fusedConv;
  const layer = fused ? fusedLayer : conv;
  return {
    shapes: {
      w1: [3, 3, 3, c],
      b1: [c],
      w2: [3, 3, c, c],
      b2: [c],
      dw: [5, 5, c, 1],
      pw: [1, 1, c, 2 * c],
      b3: [2 * c],
      w4: [3, 3, 2 * c, 2 * c],
      b4: [2 * c],
      w5: [2 * c, 10],
      b5: [10],
    },
    loss: (w, x, labels) => {
      let h = layer(x, w.w1!, w.b1!);
      h = layer(h, w.w2!, w.b2!);
      h = tf.maxPool(h, 2, 2, 'valid');
      h = fused
        ? fusedLayer(tf.depthwiseConv2d(h, c4(w.dw!), 1, 'same'), w.pw!, w.b3!)
        : tf.relu(tf.add(tf.separableConv2d(h, c4(w.dw!), c4(w.pw!), 1, 'same'), w.b3!));
      h = layer(h, w.w4!, w.b4!);
      return head(h, w.w5!, w.b5!, labels);
    },
  };
}

/** Dilated and separable convolutions, a strided conv and average pooling. */
export function dilatedSeparableNet(c = 4): Net {
  return {
    shapes: {
      w1: [3, 3, 3, c],
      b1: [c],
      dw: [5, 5, c, 2],
      pw: [1, 1, 2 * c, c],
      b2: [c],
      w3: [3, 3, c, c],
      b3: [c],
      w4: [c, 10],
      b4: [10],
    },
    loss: (w, x, labels) => {
      let h = conv(x, w.w1!, w.b1!, 1, 2);
      h = tf.relu(tf.add(tf.separableConv2d(h, c4(w.dw!), c4(w.pw!), 1, 'same', 2), w.b2!));
      h = conv(h, w.w3!, w.b3!, 2);
      h = tf.avgPool(h, 2, 2, 'valid');
      return head(h, w.w4!, w.b4!, labels);
    },
  };
}

/** A convolutional autoencoder: two stride-2 convs down, two stride-2 transposed convs up, MSE. */
export function transposedAutoencoder(c = 4): Net {
  return {
    shapes: {
      e1: [3, 3, 3, c],
      e2: [3, 3, c, 2 * c],
      d1: [3, 3, c, 2 * c],
      d2: [3, 3, 3, c],
    },
    loss: (w, x) => {
      const [n, height, width] = x.shape;
      let h = tf.relu(tf.conv2d(x, c4(w.e1!), 2, 'same'));
      h = tf.relu(tf.conv2d(h, c4(w.e2!), 2, 'same'));
      h = tf.relu(tf.conv2dTranspose(h, c4(w.d1!), [n, Math.ceil(height / 2), Math.ceil(width / 2), c], 2, 'same'));
      const y = tf.conv2dTranspose(h, c4(w.d2!), [n, height, width, 3], 2, 'same');
      return tf.losses.meanSquaredError(x, y) as tf.Scalar;
    },
  };
}

/** Deterministic He-scaled weights (biases small but non-zero). */
export function initWeights(net: Net, seed = 1): Record<string, tf.Variable> {
  const weights: Record<string, tf.Variable> = {};
  Object.entries(net.shapes).forEach(([name, shape], i) => {
    const fanIn = shape.length === 1 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const scale = shape.length === 1 ? 0.1 : Math.sqrt(2 / fanIn);
    const v = values(shape, seed * 1000 + i).map((x) => x * scale);
    weights[name] = tf.variable(tf.tensor(v, shape));
  });
  return weights;
}

/** A deterministic batch: images in [-1, 1) and one-hot labels. */
export function batchOf(n: number, height: number, width: number): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const x = tf.tensor4d(values([n, height, width, 3], 77), [n, height, width, 3]);
  const classes = Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), 10), 'float32') as tf.Tensor2D;
  return { x, labels };
}
