import * as tf from '@tensorflow/tfjs-core';

/**
 * The most tensors one AddN adds on the webgpu backend: its shader binds each
 * input and the output as a storage buffer, and the device it requests
 * allows 8 per shader stage (WebGPU's default `maxStorageBuffersPerShaderStage`).
 */
export const WEBGPU_ADD_N_INPUTS = 7;

/**
 * The sum of `tensors`, as `tf.addN`. On the webgpu backend an AddN of more
 * than 7 tensors fails Dawn's validation, which does not throw: the kernel is
 * dropped and its output left unwritten. There (`backend` 'webgpu') it adds
 * groups of at most 7, in order, then the partial sums, the same way, until
 * one is left. Every other backend gets one `tf.addN` of all of them, so its
 * results stay bit-identical to what they were (grouping changes the
 * rounding). The intermediate sums are freed; the inputs are not.
 */
export function addTensors<T extends tf.Tensor>(tensors: readonly T[], backend: string = tf.getBackend()): T {
  if (backend !== 'webgpu' || tensors.length <= WEBGPU_ADD_N_INPUTS) return tf.addN(tensors as T[]);
  return tf.tidy(() => {
    let level: T[] = [...tensors];
    while (level.length > WEBGPU_ADD_N_INPUTS) {
      const next: T[] = [];
      for (let i = 0; i < level.length; i += WEBGPU_ADD_N_INPUTS) {
        const group = level.slice(i, i + WEBGPU_ADD_N_INPUTS);
        next.push(group.length === 1 ? group[0]! : tf.addN(group));
      }
      level = next;
    }
    return tf.addN(level);
  });
}
