import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCE, selectBackend } from './select-backend.js';

const realImport = (specifier: string) => import(/* @vite-ignore */ specifier);

/** An importer where the listed packages behave as given and all others load for real. */
function importer(overrides: Record<string, () => Promise<unknown>>) {
  return (specifier: string) => (overrides[specifier] ?? (() => realImport(specifier)))();
}

const notInstalled = (specifier: string) => () =>
  Promise.reject(Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('selectBackend', () => {
  it('skips the native packages that are not installed here and picks wasm with the training kernels', async () => {
    const selection = await selectBackend();
    expect(selection.backend).toBe('wasm');
    expect(selection.tfjsName).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.reason).toMatch(/training kernels, 1 thread/);
    expect(selection.attempts.map((a) => [a.backend, a.outcome])).toEqual([
      ['node-gpu', 'skipped'],
      ['node', 'skipped'],
      ['wasm', 'selected'],
    ]);
    expect(selection.attempts[0]!.reason).toBe('@tensorflow/tfjs-node-gpu is not installed');
    expect(selection.attempts[1]!.reason).toBe('@tensorflow/tfjs-node is not installed');
    // The training kernels are in place: a conv net's filter gradient runs on wasm.
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 2, 1]));
    expect(grad.shape).toEqual([3, 3, 2, 1]);
    // Each tap sums the input over the output positions where it lands inside the 5x5 image.
    expect(Array.from(await grad.data())).toEqual([16, 16, 20, 20, 16, 16, 20, 20, 25, 25, 20, 20, 16, 16, 20, 20, 16, 16]);
  });

  it('says why it fell back to cpu and what to install when the faster peers are missing', async () => {
    const selection = await selectBackend({
      importModule: importer({
        '@tensorflow/tfjs-node-gpu': notInstalled('@tensorflow/tfjs-node-gpu'),
        '@tensorflow/tfjs-node': notInstalled('@tensorflow/tfjs-node'),
        '@tensorflow/tfjs-backend-wasm': notInstalled('@tensorflow/tfjs-backend-wasm'),
        webgpu: notInstalled('webgpu'),
      }),
    });
    expect(selection.backend).toBe('cpu');
    expect(selection.reason).toContain('the faster ones were skipped: node-gpu: @tensorflow/tfjs-node-gpu is not installed;');
    expect(selection.reason).toContain('wasm: @tensorflow/tfjs-backend-wasm is not installed');
    expect(selection.advice).toBe(
      'for a faster backend: npm install @tensorflow/tfjs-backend-wasm (or @tensorflow/tfjs-node, native libtensorflow on linux, macOS and Windows x64)',
    );
    const forced = await selectBackend({ backend: 'cpu' });
    expect(forced.advice).toBeUndefined();
  });

  it('can be forced, and says so', async () => {
    const cpu = await selectBackend({ backend: 'cpu' });
    expect(cpu).toMatchObject({ backend: 'cpu', tfjsName: 'cpu' });
    expect(cpu.reason).toMatch(/^forced: /);
    expect(cpu.attempts).toHaveLength(1);
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend({ backend: 'wasm' });
    expect(wasm.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('throws, with the reason, when a forced backend cannot run', async () => {
    await expect(selectBackend({ backend: 'node' })).rejects.toThrow(
      "The forced backend 'node' cannot run here (node: @tensorflow/tfjs-node is not installed).",
    );
  });

  it('skips a native package that is installed but fails to load, never crashing', async () => {
    const selection = await selectBackend({
      candidates: ['node-gpu', 'node', 'cpu'],
      importModule: importer({
        '@tensorflow/tfjs-node-gpu': () => Promise.reject(new Error('libcudart.so.11.0: cannot open shared object file')),
        '@tensorflow/tfjs-node': notInstalled('@tensorflow/tfjs-node'),
      }),
    });
    expect(selection.backend).toBe('cpu');
    expect(selection.attempts[0]!.reason).toBe('@tensorflow/tfjs-node-gpu failed to load: libcudart.so.11.0: cannot open shared object file');
  });

  it('skips WebGPU when no adapter exists', async () => {
    const fakeDawn = { create: () => ({ requestAdapter: async () => null }), globals: {} };
    const selection = await selectBackend({
      candidates: ['webgpu', 'cpu'],
      importModule: importer({ webgpu: async () => fakeDawn }),
    });
    expect(selection.backend).toBe('cpu');
    expect(selection.attempts[0]).toEqual({
      backend: 'webgpu',
      outcome: 'skipped',
      reason: 'no WebGPU adapter (no GPU, or no Vulkan/Metal/D3D12 driver)',
    });
  });

  it('skips wasm when its package is absent', async () => {
    const selection = await selectBackend({
      candidates: ['wasm', 'cpu'],
      importModule: importer({ '@tensorflow/tfjs-backend-wasm': notInstalled('@tensorflow/tfjs-backend-wasm') }),
    });
    expect(selection.backend).toBe('cpu');
    expect(selection.attempts[0]!.reason).toBe('@tensorflow/tfjs-backend-wasm is not installed');
  });

  it('fails with every reason when nothing can run', async () => {
    await expect(selectBackend({ candidates: ['node'], importModule: importer({ '@tensorflow/tfjs-node': notInstalled('x') }) })).rejects.toThrow(
      'No TensorFlow.js backend can run here (node: @tensorflow/tfjs-node is not installed).',
    );
    expect(BACKEND_PREFERENCE).toEqual(['node-gpu', 'node', 'wasm', 'webgpu', 'cpu']);
  });
});
