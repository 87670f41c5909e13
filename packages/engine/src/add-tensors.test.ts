import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBGPU_ADD_N_INPUTS, addTensors } from './add-tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Values whose float32 sum depends on the order of the additions. */
function inputs(n: number): tf.Tensor[] {
  return Array.from({ length: n }, (_, i) => tf.tensor1d([1e8 * (i % 2 ? -1 : 1) + i * 0.37, 1 / (i + 3), (i * 7919) % 13]));
}

/** The number of tensors each AddN kernel of `f` added. */
async function addNInputCounts(f: () => tf.Tensor): Promise<number[]> {
  const profile = await tf.profile(() => f());
  tf.dispose(profile.result as tf.Tensor);
  return profile.kernels.filter((k) => k.name === 'AddN').map((k) => k.inputShapes.length);
}

describe('addTensors', () => {
  it('is one tf.addN of all the tensors on other backends than webgpu: the same bits', async () => {
    for (const n of [1, 2, 7, 8, 77, 103]) {
      const xs = inputs(n);
      const before = tf.memory().numTensors;
      const got = addTensors(xs);
      const want = tf.addN(xs);
      expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
      tf.dispose([got, want]);
      expect(tf.memory().numTensors).toBe(before);
      expect(await addNInputCounts(() => addTensors(xs, 'wasm'))).toEqual([n]);
      tf.dispose(xs);
    }
  });

  it('on webgpu, adds groups of at most 7 in order, then the partial sums, and frees them', async () => {
    for (const n of [2, 7, 8, 15, 49, 50, 77, 103]) {
      const xs = inputs(n);
      const counts = await addNInputCounts(() => addTensors(xs, 'webgpu'));
      expect(Math.max(...counts)).toBeLessThanOrEqual(WEBGPU_ADD_N_INPUTS);
      // Every input is added once: n inputs to one result takes n - 1 pairwise additions.
      expect(counts.reduce((s, c) => s + c - 1, 0)).toBe(n - 1);
      const before = tf.memory().numTensors;
      const got = addTensors(xs, 'webgpu');
      expect(tf.memory().numTensors).toBe(before + 1);
      // The same groups, by hand.
      let level = xs;
      const made: tf.Tensor[] = [];
      while (level.length > 7) {
        const next: tf.Tensor[] = [];
        for (let i = 0; i < level.length; i += 7) {
          const group = level.slice(i, i + 7);
          next.push(group.length === 1 ? group[0]! : tf.addN(group));
        }
        made.push(...next);
        level = next;
      }
      const want = tf.addN(level);
      expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
      // Close to the sum in float64.
      const exact = [0, 0, 0];
      for (const x of xs) (await x.data()).forEach((v, j) => (exact[j]! += v));
      (await got.data()).forEach((v, j) => expect(Math.abs(v - exact[j]!)).toBeLessThanOrEqual(Math.abs(exact[j]!) * 1e-6 + 64));
      tf.dispose([got, want, ...made.filter((t) => !xs.includes(t)), ...xs]);
    }
  });
});
