import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBatch } from './supernet.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('batch normalisation with its closed-form gradient', () => {
  it('matches autodiff of the textbook formula, values and gradients, and reports the batch statistics', () => {
    const x = tf.mul(tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 1), tf.tensor1d([1, 2, 3, 0.5, 4, 0.1])) as tf.Tensor4D;
    // A loss that weighs every output differently, so that the gradient is not trivially zero.
    const weights = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 2);
    const reference = (input: tf.Tensor4D) => {
      const mean = tf.mean(input, [0, 1, 2]);
      const variance = tf.mean(tf.square(tf.sub(input, mean)), [0, 1, 2]);
      return tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-5)));
    };
    let seen: number[][] = [];
    const ours = (input: tf.Tensor4D) => normalizeBatch(input, (mean, variance) => (seen = [Array.from(mean.dataSync()), Array.from(variance.dataSync())]));
    const loss = (f: (t: tf.Tensor4D) => tf.Tensor) => (input: tf.Tensor) => tf.sum(tf.mul(tf.square(f(input as tf.Tensor4D)), weights));
    const [valueOurs, valueRef] = [ours(x), reference(x)];
    expect(tf.max(tf.abs(tf.sub(valueOurs, valueRef))).dataSync()[0]).toBeLessThan(1e-5);
    const [gradOurs, gradRef] = [tf.grad(loss(ours))(x), tf.grad(loss(reference))(x)];
    const scale = tf.max(tf.abs(gradRef)).dataSync()[0]!;
    expect(scale).toBeGreaterThan(0.1);
    expect(tf.max(tf.abs(tf.sub(gradOurs, gradRef))).dataSync()[0]).toBeLessThan(1e-4 * scale);
    const mean = Array.from(tf.mean(x, [0, 1, 2]).dataSync());
    seen[0]!.forEach((m, i) => expect(m).toBeCloseTo(mean[i]!, 5));
    expect(seen[1]![5]).toBeCloseTo(0.01, 2);
  });
});
