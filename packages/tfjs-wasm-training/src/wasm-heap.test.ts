import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupWasmTraining, type WasmTrainingSetup } from './setup-wasm-training.js';
import { guardWasmHeap, resolveHeapLimitBytes, WASM_HEAP_MAX_BYTES, wasmHeapBytes, WasmHeapExhaustedError } from './wasm-heap.js';

const MIB = 2 ** 20;
let setup: WasmTrainingSetup;
let limitMiB = 0;

beforeAll(async () => {
  setup = await setupWasmTraining({ threads: 1 });
  // A limit 8 MiB above the heap as it is: a 32 MiB tensor cannot fit wherever it is placed, small ones still do.
  limitMiB = wasmHeapBytes()! / MIB + 8;
  setup = await setupWasmTraining({ threads: 1, heapLimitMiB: limitMiB });
});

afterAll(() => setup.unregister());

describe('the wasm heap guard', () => {
  it('refuses a tensor past the limit with an error that names it, the heap and what to lower', () => {
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      tf.zeros([8, 1024, 1024], 'float32');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmHeapExhaustedError);
    const heap = error as WasmHeapExhaustedError;
    expect(heap.request).toEqual({ bytes: 32 * MIB, shape: [8, 1024, 1024], dtype: 'float32' });
    expect(heap.limitBytes).toBe(Math.floor(limitMiB * MIB));
    expect(heap.message).toMatch(/float32 tensor of shape \[8, 1024, 1024\] \(32 MiB\)/);
    expect(heap.message).toMatch(/heap is \d+ MiB/);
    expect(heap.message).toMatch(/lower the batch size or the channels/);
    expect(heap.message).toMatch(/recomputeCells/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves the backend usable: smaller tensors and kernels still run', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.tidy(() => tf.sum(tf.mul(x, 2)));
    expect(y.dataSync()[0]).toBe(12);
    // A kernel's output past the limit fails the same way, inside a tidy.
    expect(() => tf.tidy(() => tf.tile(tf.ones([1, 1024, 1024]), [8, 1, 1]))).toThrow(WasmHeapExhaustedError);
    expect(tf.tidy(() => tf.sum(tf.ones([1, 1024, 1024]))).dataSync()[0]).toBe(MIB);
    tf.dispose([x, y]);
  });

  it('is replaced, not stacked, by a second guard, and its restore puts the backend back', () => {
    const backend = tf.engine().registry['wasm'] as BackendWasm;
    const restore = guardWasmHeap(backend, WASM_HEAP_MAX_BYTES);
    const big = tf.zeros([4, 1024, 1024]);
    expect(big.size).toBe(4 * MIB);
    big.dispose();
    restore();
    expect(Object.hasOwn(backend, 'move')).toBe(false);
  });

  it('reads the limit from the option, then ASNG_WASM_HEAP_LIMIT_MIB, and checks it', () => {
    expect(resolveHeapLimitBytes()).toBe(WASM_HEAP_MAX_BYTES);
    expect(resolveHeapLimitBytes(64)).toBe(64 * MIB);
    expect(resolveHeapLimitBytes(1e9)).toBe(WASM_HEAP_MAX_BYTES);
    process.env['ASNG_WASM_HEAP_LIMIT_MIB'] = '32';
    try {
      expect(resolveHeapLimitBytes()).toBe(32 * MIB);
      expect(resolveHeapLimitBytes(16)).toBe(16 * MIB);
      process.env['ASNG_WASM_HEAP_LIMIT_MIB'] = 'lots';
      expect(() => resolveHeapLimitBytes()).toThrow(/ASNG_WASM_HEAP_LIMIT_MIB must be a positive number of MiB, got lots/);
    } finally {
      delete process.env['ASNG_WASM_HEAP_LIMIT_MIB'];
    }
    expect(() => resolveHeapLimitBytes(0)).toThrow(/heapLimitMiB must be a positive number/);
  });
});
