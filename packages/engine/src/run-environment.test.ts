import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { currentEnvironment, environmentDifferences } from './run-environment.js';

afterAll(async () => {
  await tf.setBackend('cpu');
  tf.removeBackend('threaded-test');
});

describe('currentEnvironment', () => {
  it('records the backend and the tfjs-core version, the caller adding and overriding entries', async () => {
    await tf.setBackend('cpu');
    expect(currentEnvironment()).toEqual({ backend: 'cpu', '@tensorflow/tfjs-core': tf.version_core });
    expect(currentEnvironment({ threads: 2, nativeKernels: false, backend: 'wasm' })).toEqual({
      backend: 'wasm',
      '@tensorflow/tfjs-core': tf.version_core,
      threads: 2,
      nativeKernels: false,
    });
  });

  it('records the thread count of a backend that exposes it as the wasm backend does', async () => {
    tf.registerBackend('threaded-test', () => Object.assign(new MathBackendCPU(), { wasm: { tfjs: { getThreadsCount: () => 3 } } }));
    await tf.setBackend('threaded-test');
    expect(currentEnvironment()).toEqual({ backend: 'threaded-test', '@tensorflow/tfjs-core': tf.version_core, threads: 3 });
    expect(currentEnvironment({ threads: 1 }).threads).toBe(1);
  });
});

describe('environmentDifferences', () => {
  it('lists each key that differs, missing ones as not recorded', () => {
    expect(environmentDifferences({ backend: 'wasm', threads: 2 }, { backend: 'wasm', threads: 2 })).toEqual([]);
    expect(environmentDifferences({ backend: 'wasm', threads: 2, nativeKernels: true }, { backend: 'cpu', threads: 2, '@asng/engine': '0.2.0' })).toEqual([
      '@asng/engine: saved not recorded, now "0.2.0"',
      'backend: saved "wasm", now "cpu"',
      'nativeKernels: saved true, now not recorded',
    ]);
  });
});
