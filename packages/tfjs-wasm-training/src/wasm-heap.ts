import { engine, type DataType } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { isNode } from './node-threads.js';

/**
 * The most the wasm backend's heap can grow to, in bytes: 4 GiB less one
 * 64 KiB page (`getHeapMax()` of the emscripten build in
 * `@tensorflow/tfjs-backend-wasm` 4.22, a 32-bit wasm memory).
 */
export const WASM_HEAP_MAX_BYTES = 4294901760;

const MIB = 2 ** 20;

/** What a tensor allocation that did not fit the wasm heap asked for. */
export interface WasmHeapRequest {
  /** Bytes requested. */
  bytes: number;
  /** The tensor's shape, when the allocation was for a tensor. */
  shape?: readonly number[];
  /** The tensor's dtype, when the allocation was for a tensor. */
  dtype?: DataType;
}

/**
 * Thrown (as a plain JavaScript error, the backend left usable) when a tensor
 * does not fit the wasm backend's heap: the heap cannot grow past
 * {@link WASM_HEAP_MAX_BYTES}, or past the lower limit set for tests.
 */
export class WasmHeapExhaustedError extends Error {
  /** What was being allocated. */
  readonly request: WasmHeapRequest;
  /** The heap's size when the allocation failed, in bytes. */
  readonly heapBytes: number;
  /** The ceiling the allocation ran into, in bytes. */
  readonly limitBytes: number;
  /** Bytes held by live tensors (`tf.memory().numBytes`) when it failed. */
  readonly tensorBytes: number;

  constructor(request: WasmHeapRequest, heapBytes: number, limitBytes: number, tensorBytes: number) {
    const what =
      request.shape === undefined
        ? `${request.bytes} bytes`
        : `a ${request.dtype ?? 'float32'} tensor of shape [${request.shape.join(', ')}] (${mib(request.bytes)} MiB)`;
    super(
      `The wasm heap is full: allocating ${what} would take it past ${mib(limitBytes)} MiB ` +
        `(${limitBytes >= WASM_HEAP_MAX_BYTES ? "the wasm backend's 4 GiB ceiling" : 'the limit set by ASNG_WASM_HEAP_LIMIT_MIB or heapLimitMiB'}); ` +
        `the heap is ${mib(heapBytes)} MiB and live tensors hold ${mib(tensorBytes)} MiB. ` +
        "To fit, lower the batch size or the channels (the model's widths); with @asng/space-image-classification, " +
        "turn on recomputeCells (one cell's activations kept at a time; the inpainting space has no such option: " +
        'lower its batch size or channels). The largest setting that fits is found by running the benchmarks with ' +
        'shrinking settings (see the README of @asng/tfjs-wasm-training, "Memory").',
    );
    this.name = 'WasmHeapExhaustedError';
    this.request = request;
    this.heapBytes = heapBytes;
    this.limitBytes = limitBytes;
    this.tensorBytes = tensorBytes;
  }
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0);
}

type Move = BackendWasm['move'];
type Malloc = (bytes: number) => number;

/** The restore function of the guard installed on each backend. */
const installed = new WeakMap<BackendWasm, () => void>();

/** A failed `malloc`, caught by the `move` wrapper, which knows the tensor. */
class MallocFailure extends Error {
  constructor(readonly bytes: number) {
    super(`The wasm heap cannot hold ${bytes} more bytes`);
  }
}

/**
 * The limit to enforce: `limitMiB`, else the environment variable
 * `ASNG_WASM_HEAP_LIMIT_MIB` (Node.js), else the backend's own ceiling.
 */
export function resolveHeapLimitBytes(limitMiB?: number): number {
  const fromEnv = isNode() ? process.env['ASNG_WASM_HEAP_LIMIT_MIB'] : undefined;
  const source = limitMiB !== undefined ? 'heapLimitMiB' : 'ASNG_WASM_HEAP_LIMIT_MIB';
  const value = limitMiB ?? (fromEnv === undefined || fromEnv === '' ? undefined : Number(fromEnv));
  if (value === undefined) return WASM_HEAP_MAX_BYTES;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${source} must be a positive number of MiB, got ${String(limitMiB ?? fromEnv)}`);
  }
  return Math.min(WASM_HEAP_MAX_BYTES, Math.floor(value * MIB));
}

/**
 * Makes a tensor that does not fit the wasm heap throw a
 * {@link WasmHeapExhaustedError} that names it, instead of what the stock
 * backend does (its `malloc` returns 0 when the heap cannot grow, and the
 * tensor is placed at address 0: reproduced, a `memory access out of bounds`
 * inside wasm on one thread, a main thread spinning at full CPU on two).
 * Every tensor of the backend, the native
 * kernels' outputs included, is allocated by `backend.move`; this wraps it
 * and the module's `_malloc` (buffers that the C++ kernels allocate for
 * themselves, XNNPACK's packed filters for instance, are not guarded).
 * Allocations that end above `limitBytes` are
 * refused too (a lower limit lets tests reach the ceiling cheaply). A second
 * call replaces the first one's guard. Returns a function that puts the
 * originals back (a no-op once another guard has replaced this one).
 */
export function guardWasmHeap(backend: BackendWasm, limitBytes: number = WASM_HEAP_MAX_BYTES): () => void {
  installed.get(backend)?.();
  const wasm = backend.wasm as unknown as { _malloc: Malloc; _free: (ptr: number) => void; HEAPU8: Uint8Array };
  const originalMalloc = wasm._malloc;
  const originalMove = Object.hasOwn(backend, 'move') ? backend.move : undefined;
  const move: Move = backend.move;
  const guarded: Malloc = (bytes) => {
    const ptr = originalMalloc(bytes) >>> 0;
    // emscripten's exported `_malloc` replaces itself with the raw export on its first call.
    wasm._malloc = guarded;
    if (bytes > 0 && ptr === 0) throw new MallocFailure(bytes);
    if (ptr + bytes > limitBytes) {
      wasm._free(ptr);
      throw new MallocFailure(bytes);
    }
    return ptr;
  };
  wasm._malloc = guarded;
  backend.move = function guardedMove(this: BackendWasm, ...args: Parameters<Move>) {
    try {
      move.apply(this, args);
    } catch (error) {
      if (!(error instanceof MallocFailure)) throw error;
      const [, , shape, dtype] = args;
      throw new WasmHeapExhaustedError({ bytes: error.bytes, shape: [...shape], dtype }, wasm.HEAPU8.length, limitBytes, engine().memory().numBytes);
    }
  };
  const restore = () => {
    if (installed.get(backend) !== restore) return;
    installed.delete(backend);
    wasm._malloc = originalMalloc;
    if (originalMove === undefined) delete (backend as { move?: Move }).move;
    else backend.move = originalMove;
  };
  installed.set(backend, restore);
  return restore;
}

/** The wasm backend's current heap size in bytes (it only grows, so this is its peak), or `undefined` before it has started. */
export function wasmHeapBytes(): number | undefined {
  const backend = engine().registry['wasm'] as BackendWasm | undefined;
  return (backend?.wasm as unknown as { HEAPU8?: Uint8Array } | undefined)?.HEAPU8?.length;
}
