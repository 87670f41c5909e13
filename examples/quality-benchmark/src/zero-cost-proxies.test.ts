import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientNorm, logDeterminant, naswotScore } from './zero-cost-proxies.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** conv 3x3 (2 filters) -> ReLU -> flatten -> dense 2 (logits), on 4x4x1 images. */
function tinyModel(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed }) }).apply(input);
  const relu = tf.layers.reLU().apply(conv);
  const flat = tf.layers.flatten().apply(relu);
  const logits = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }).apply(flat);
  return tf.model({ inputs: input, outputs: logits as tf.SymbolicTensor });
}

describe('logDeterminant', () => {
  it('is log |det| of a positive definite matrix, and -Infinity for a singular one', () => {
    // det [[4, 2], [2, 3]] = 8.
    expect(logDeterminant(Float64Array.from([4, 2, 2, 3]), 2)).toBeCloseTo(Math.log(8), 12);
    expect(logDeterminant(Float64Array.from([2, 0, 0, 0, 3, 0, 0, 0, 5]), 3)).toBeCloseTo(Math.log(30), 12);
    expect(logDeterminant(Float64Array.from([1, 1, 1, 1]), 2)).toBe(Number.NEGATIVE_INFINITY);
    expect(() => logDeterminant(new Float64Array(3), 2)).toThrow('logDeterminant: expected 4 values, got 3');
  });
});

describe('naswotScore and gradientNorm', () => {
  it('score an untrained network on a batch: identical images give a singular kernel, distinct ones a finite score; nothing leaks', () => {
    const model = tinyModel(1);
    const distinct = tf.randomUniform([3, 4, 4, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    const same = tf.tidy(() => tf.tile(tf.slice(distinct, [0, 0, 0, 0], [1, 4, 4, 1]), [3, 1, 1, 1]) as tf.Tensor4D);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 0], 'int32'), 2) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const score = naswotScore(model, distinct);
    expect(Number.isFinite(score)).toBe(true);
    // The kernel counts agreeing units: at most 32 per pair (4x4 pixels x 2 filters), so its log-det is at most 3 log 32.
    expect(score).toBeLessThanOrEqual(3 * Math.log(32) + 1e-9);
    expect(naswotScore(model, same)).toBe(Number.NEGATIVE_INFINITY);
    const norm = gradientNorm(model, distinct, labels);
    expect(norm).toBeGreaterThan(0);
    // The same weights and batch: the same norm; the weights are not changed.
    expect(gradientNorm(model, distinct, labels)).toBe(norm);
    expect(tf.memory().numTensors).toBe(before);
    // A model without ReLU layers has no activation pattern.
    const input = tf.input({ shape: [4, 4, 1] });
    const linear = tf.model({ inputs: input, outputs: tf.layers.flatten().apply(input) as tf.SymbolicTensor, name: 'linear' });
    expect(() => naswotScore(linear, distinct)).toThrow("naswotScore: model 'linear' has no ReLU layer");
    tf.dispose([distinct, same, labels]);
    model.dispose();
  });
});
