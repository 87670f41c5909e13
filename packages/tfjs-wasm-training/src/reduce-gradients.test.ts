import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOn, values } from '../test/compare.js';
import { registerReduceGradients } from './reduce-gradients.js';
import { setupWasmTraining, type WasmTrainingSetup } from './setup-wasm-training.js';

const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

const cases = [
  { shape: [4, 5, 6, 3], axis: [1, 2], keepDims: false },
  { shape: [4, 5, 6, 3], axis: [1, 2], keepDims: true },
  { shape: [4, 5, 6, 3], axis: [0, 3], keepDims: false },
  { shape: [3, 2, 5, 4, 2], axis: [-3], keepDims: false },
  { shape: [7, 9], axis: [0, 1], keepDims: false },
  { shape: [6, 7], axis: [], keepDims: false },
  { shape: [64, 8, 8, 16], axis: [1, 2], keepDims: false },
];

/** The gradients of a weighted `mean` and `sum` of x over `axis`, with values that make `dy / n` round. */
const gradients = (c: (typeof cases)[number]) => () => {
  const x = tf.tensor(values(c.shape, 3), c.shape);
  const w = (shape: number[]) => tf.tensor(values(shape, 4), shape);
  const mean = tf.grad((a: tf.Tensor) => {
    const m = tf.mean(a, c.axis, c.keepDims);
    return tf.sum(tf.mul(m, w(m.shape)));
  })(x);
  const sum = tf.grad((a: tf.Tensor) => {
    const s = tf.sum(a, c.axis, c.keepDims);
    return tf.sum(tf.mul(s, w(s.shape)));
  })(x);
  return [mean, sum];
};

describe('registerReduceGradients', () => {
  let setup: WasmTrainingSetup | undefined;
  beforeAll(async () => {
    setup = await setupWasmTraining({ threads: 1, activate: false });
  });
  afterAll(() => setup?.unregister());

  it.each(cases)('gives the bits of tfjs-core gradients of mean and sum over $axis of $shape, on wasm and cpu', async (c) => {
    for (const backend of ['wasm', 'cpu']) {
      const ours = await runOn(backend, gradients(c));
      const restore = tf.getGradient(tf.Mean);
      // setupWasmTraining registered ours; take them off to compute tfjs-core's, then put them back.
      setup!.unregister();
      try {
        const stock = await runOn(backend, gradients(c));
        expect(tf.getGradient(tf.Mean)).not.toBe(restore);
        ours.forEach((g, i) => expect(bits(g), `${backend}: ${i === 0 ? 'mean' : 'sum'}`).toEqual(bits(stock[i]!)));
      } finally {
        setup = await setupWasmTraining({ threads: 1, activate: false });
      }
    }
  });

  it('leaves int32 sums to tfjs-core and leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const step = () =>
      tf.tidy(() => {
        const x = tf.tensor(values([8, 4, 4, 3], 5), [8, 4, 4, 3]);
        return tf.grad((a: tf.Tensor) => tf.add(tf.sum(tf.mean(a, [1, 2])), tf.sum(tf.sum(a, 3))))(x);
      });
    step().dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step().dispose();
    expect(tf.memory().numTensors).toBe(before);
    const ints = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.cast(tf.sum(tf.cast(a, 'int32')), 'float32')))(tf.ones([3, 2])));
    // tfjs-core's gradient of Sum on int32 (a cast passes gradients through), not ours (which would need float32).
    expect(ints.dtype).toBe('float32');
    expect(Array.from(await ints.data())).toEqual([1, 1, 1, 1, 1, 1]);
    ints.dispose();
  });

  it('restores the gradients registered before it, and registering twice wraps no wrapper', () => {
    const before = [tf.getGradient(tf.Mean), tf.getGradient(tf.Sum)];
    const restoreA = registerReduceGradients();
    const restoreB = registerReduceGradients();
    restoreB();
    restoreA();
    expect([tf.getGradient(tf.Mean), tf.getGradient(tf.Sum)]).toEqual(before);
  });
});
