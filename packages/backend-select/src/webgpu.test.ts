import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';

/** Whether Dawn finds a GPU adapter here (a GPU, or Mesa's software Vulkan device). */
async function adapterExists(): Promise<boolean> {
  const { create } = (await import('webgpu')) as unknown as {
    create: (flags: string[]) => { requestAdapter: () => Promise<unknown> };
  };
  return (await create([]).requestAdapter()) != null;
}

/** Loss gradient of a small conv layer with respect to its filter, read asynchronously. */
async function filterGradient(): Promise<Float32Array> {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i)),
    [2, 6, 6, 3],
  );
  const w = tf.tensor4d(
    Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)),
    [3, 3, 3, 4],
  );
  const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(x, f as tf.Tensor4D, 1, 'same'))))(w);
  const data = (await grad.data()) as Float32Array;
  tf.dispose([x, w, grad]);
  return data;
}

describe('selectBackend and WebGPU', () => {
  it('uses WebGPU where an adapter exists and trains on it, and skips it otherwise', async () => {
    const available = await adapterExists();
    const selection = await selectBackend({ candidates: ['webgpu', 'cpu'] });
    if (!available) {
      expect(selection.backend).toBe('cpu');
      expect(selection.attempts[0]!.reason).toMatch(/no WebGPU adapter/);
      return;
    }
    expect(selection).toMatchObject({ backend: 'webgpu', tfjsName: 'webgpu' });
    const onGpu = await filterGradient();
    await selectBackend({ backend: 'cpu' });
    const onCpu = await filterGradient();
    const scale = Math.max(...onCpu.map(Math.abs));
    onGpu.forEach((v, i) => expect(Math.abs(v - onCpu[i]!) / scale).toBeLessThan(1e-5));
  });
});
