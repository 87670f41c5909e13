import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import { setupWasmTraining } from '@asng/tfjs-wasm-training';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBatch } from './normalize-batch.js';

beforeAll(async () => {
  await setupWasmTraining({ threads: 1, activate: false });
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

describe('batch normalisation on wasm (fused kernels of @asng/tfjs-wasm-training)', () => {
  it('gives the values, statistics and gradients of the composite ops on cpu, without leaking', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.add(tf.mul(tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 3), tf.tensor1d([1, 2, 0.5, 3])), 7) as tf.Tensor4D;
      const weights = tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 4);
      let stats: number[] = [];
      const f = (input: tf.Tensor) =>
        tf.sum(
          tf.mul(
            normalizeBatch(input as tf.Tensor4D, (m, v) => (stats = [...m.dataSync(), ...v.dataSync()])),
            weights,
          ),
        );
      const before = tf.memory().numTensors;
      const [value, grad] = tf.tidy(() => [normalizeBatch(x), tf.grad(f)(x)]);
      const out = [value!.dataSync(), grad!.dataSync(), Float32Array.from(stats)];
      tf.dispose([value!, grad!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, weights]);
      return out;
    };
    const onWasm = await run('wasm');
    const onCpu = await run('cpu');
    onCpu.forEach((expected, k) => {
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((e, i) => expect(Math.abs(onWasm[k]![i]! - e)).toBeLessThan(2e-5 * scale));
    });
    await tf.setBackend('cpu');
  });
});
