import { engine, getBackend, getGradient, Mean, Relu, setBackend, Sum } from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { isNode, MAX_WASM_THREADS, prepareNodeThreads } from './node-threads.js';
import { registerDilatedConvGradients } from './register-dilated-conv-gradients.js';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels.js';
import { registerReduceGradients } from './reduce-gradients.js';
import { registerReluGradient } from './relu-gradient.js';
import { loadNativeKernels, type NativeKernelsStatus } from './native-kernels.js';
import { guardWasmHeap, resolveHeapLimitBytes, type WasmHeapExhaustedError } from './wasm-heap.js';

/** Options of {@link setupWasmTraining}. */
export interface WasmTrainingOptions {
  /**
   * XNNPACK threads: a count from 1 to 8, or `'auto'` for one per logical core
   * (at most 8). More than one thread in Node.js starts `worker_threads`
   * workers; in browsers it needs a cross-origin-isolated page. Must be chosen
   * before the wasm backend is first initialised.
   * @default 1
   */
  threads?: number | 'auto';
  /**
   * Also register gradients for dilated `conv2d` / `depthwiseConv2d` (global,
   * all backends), see {@link registerDilatedConvGradients}. Needs tfjs-core's
   * gradients to be registered already.
   * @default true
   */
  dilatedGradients?: boolean;
  /**
   * Make `wasm` the active backend (`tf.setBackend('wasm')`).
   * @default true
   */
  activate?: boolean;
  /**
   * Run the regular convolution and its gradients with the package's native
   * kernels (x86-64 AVX2/FMA, Node.js; built at install where a C compiler
   * exists, see {@link loadNativeKernels}), on as many threads as XNNPACK.
   * `'auto'` uses them when they load and falls back to the wasm kernels
   * otherwise; `true` throws when they cannot be loaded; `false` never loads
   * them. The environment variable `ASNG_NATIVE_KERNELS=0` turns `'auto'` off.
   * @default 'auto'
   */
  native?: boolean | 'auto';
  /**
   * With the native kernels: run 3x3 convolutions of stride 1 without
   * dilation (8 channels or more in and out) by Winograd F(2x2, 3x3), their
   * forward pass and input gradient with 16 multiplications per 2x2 outputs
   * and channel pair where the direct product takes 36 (1.1-1.3x faster at
   * 20-64 channels). `false` runs every convolution directly, as versions
   * before it did (their bits). Both are deterministic; they differ within
   * float32 rounding. The environment variable `ASNG_WINOGRAD=0` makes the
   * default `false` (to reproduce a run of an earlier version without
   * changing its code); this option wins when given.
   * @default true
   */
  winograd?: boolean;
  /**
   * Refuse tensor allocations that would take the wasm heap past this many
   * MiB, with the same {@link WasmHeapExhaustedError} as at the backend's own
   * 4 GiB ceiling ({@link WASM_HEAP_MAX_BYTES}). Meant for tests, which can
   * reach a low limit cheaply; the environment variable
   * `ASNG_WASM_HEAP_LIMIT_MIB` sets it too (this option wins). Values above
   * the ceiling are the ceiling.
   * @default the backend's ceiling, 4 GiB less 64 KiB
   */
  heapLimitMiB?: number;
}

/** What {@link setupWasmTraining} did. */
export interface WasmTrainingSetup {
  /** The number of threads the wasm backend runs XNNPACK with (and the native kernels, when used). */
  threads: number;
  /** Whether the native convolution kernels are in use, and why not; `winograd`: whether they run 3x3 stride-1 convolutions by Winograd. */
  native: NativeKernelsStatus & { used: boolean; winograd: boolean };
  /**
   * Undoes the kernel and gradient registrations and the heap guard, and puts
   * the native kernels' Winograd switch back as it was (the backend stays).
   */
  unregister: () => void;
}

async function resolveThreads(threads: number | 'auto'): Promise<number> {
  if (threads === 'auto') {
    const cores = isNode()
      ? (await import('node:os')).availableParallelism()
      : (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    return Math.min(MAX_WASM_THREADS, Math.max(1, cores ?? 1));
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`threads must be an integer from 1 to ${MAX_WASM_THREADS} or 'auto', got ${threads}.`);
  }
  return threads;
}

async function resolveNative(native: boolean | 'auto'): ReturnType<typeof loadNativeKernels> {
  if (native !== true && native !== false && native !== 'auto') {
    throw new TypeError(`native must be true, false or 'auto', got ${String(native)}.`);
  }
  if (native === false) return { status: { available: false, reason: 'not requested (native: false)' } };
  const disabled = isNode() && process.env['ASNG_NATIVE_KERNELS'] === '0';
  if (native === 'auto' && disabled) {
    return { status: { available: false, reason: 'turned off by ASNG_NATIVE_KERNELS=0' } };
  }
  const loaded = await loadNativeKernels();
  if (native === true && loaded.addon === undefined) {
    throw new Error(`The native kernels were asked for (native: true) but are unavailable: ${loaded.status.reason}`);
  }
  return loaded;
}

/**
 * Prepares the tfjs `wasm` backend for training: registers the training
 * kernels ({@link registerWasmTrainingKernels}) and, by default, the dilated
 * convolution gradients ({@link registerDilatedConvGradients}); starts the
 * backend with the requested number of threads (in Node.js, working around
 * what keeps tfjs single-threaded there); makes a tensor that does not fit
 * the wasm heap throw a {@link WasmHeapExhaustedError} ({@link guardWasmHeap})
 * instead of failing inside wasm; makes it the active backend.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { setupWasmTraining } from '@asng/tfjs-wasm-training';
 *
 * const { threads } = await setupWasmTraining({ threads: 2 });
 * ```
 */
export async function setupWasmTraining(options: WasmTrainingOptions = {}): Promise<WasmTrainingSetup> {
  const { dilatedGradients = true, activate = true } = options;
  const winograd = options.winograd ?? !(isNode() && process.env['ASNG_WINOGRAD'] === '0');
  if (typeof winograd !== 'boolean') throw new TypeError(`winograd must be true or false, got ${String(winograd)}.`);
  const heapLimitBytes = resolveHeapLimitBytes(options.heapLimitMiB);
  const wanted = await resolveThreads(options.threads ?? 1);
  const native = await resolveNative(options.native ?? 'auto');
  const restoreKernels = registerWasmTrainingKernels({ native: native.addon });
  const restoreGradients = dilatedGradients ? registerDilatedConvGradients() : () => {};
  // Without tfjs-core's gradients (inference only, `dilatedGradients: false`) there is no relu gradient to replace.
  const restoreReluGradient = getGradient(Relu) != null ? registerReluGradient() : () => {};
  // Their broadcast is fast with the native Tile only (the stock wasm Tile makes them slower than tfjs-core's).
  const restoreReduceGradients =
    native.addon !== undefined && getGradient(Mean) != null && getGradient(Sum) != null ? registerReduceGradients({ backends: ['wasm'] }) : () => {};
  let restoreHeapGuard = () => {};
  let restoreWinograd = () => {};
  const unregister = () => {
    restoreWinograd();
    restoreHeapGuard();
    restoreReduceGradients();
    restoreReluGradient();
    restoreGradients();
    restoreKernels();
  };
  try {
    // `findBackend` would start the backend; the registry only lists started ones.
    if (engine().registry['wasm'] == null) {
      setThreadsCount(wanted);
      const restoreGlobals = wanted > 1 && isNode() ? await prepareNodeThreads(wanted) : () => {};
      try {
        const previous = engine().backendName ? getBackend() : null;
        if (!(await setBackend('wasm'))) throw new Error('The wasm backend failed to initialise.');
        if (!activate && previous != null) await setBackend(previous);
      } finally {
        restoreGlobals();
      }
    } else if (activate) {
      await setBackend('wasm');
    }
    const actual = getThreadsCount();
    if (actual !== wanted && options.threads !== 'auto') {
      throw new Error(
        `The wasm backend runs ${actual} thread(s), ${wanted} were asked for: it was initialised before ` +
          'setupWasmTraining() was called, or threads are unavailable (browsers need cross-origin isolation ' +
          'and allow at most half of navigator.hardwareConcurrency).',
      );
    }
    native.addon?.setThreads(actual);
    let winogradInUse = false;
    if (native.addon !== undefined) {
      // The switch is process-wide, in the addon: unregister() sets it back.
      const { addon } = native;
      const before = addon.winograd();
      restoreWinograd = () => addon.winograd(before);
      winogradInUse = addon.winograd(winograd);
    }
    restoreHeapGuard = guardWasmHeap(engine().registry['wasm'] as BackendWasm, heapLimitBytes);
    return { threads: actual, unregister, native: { ...native.status, used: native.addon !== undefined, winograd: winogradInUse } };
  } catch (error) {
    unregister();
    throw error;
  }
}
