import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Deterministic values in [-1, 1) from a small linear congruential generator. */
export function values(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Runs `f` with `backend` active and returns the values of the tensors it
 * returns, disposing everything it made.
 */
export async function runOn(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(f);
  const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return data;
}

/**
 * The gradients of `sum(f(inputs) * weights)` with respect to every input,
 * where `weights` are fixed pseudo-random values (so that every output
 * element gets a different upstream gradient).
 */
export function gradientsOf(f: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; seed: number }[]): tf.Tensor[] {
  const tensors = inputs.map(({ shape, seed }) => tf.tensor(values(shape, seed), shape));
  const outShape = f(...tensors).shape;
  const upstream = tf.tensor(values(outShape, 97), outShape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), upstream)));
  return [f(...tensors), ...grads(tensors)];
}

/**
 * Expects `actual` to equal `expected` up to float32 rounding: every element
 * within `rtol` times the largest magnitude in `expected`.
 */
export function expectClose(actual: Float32Array, expected: Float32Array, label: string, rtol = 1e-5): void {
  expect(actual.length, label).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  expect(scale, `${label}: reference is all zeros`).toBeGreaterThan(0);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst / scale, `${label}: element ${at} is ${actual[at]}, expected ${expected[at]}`).toBeLessThanOrEqual(rtol);
}
