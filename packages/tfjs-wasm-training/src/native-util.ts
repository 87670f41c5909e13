import type { backend_util, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A 4-D shape. */
export type Shape4 = [number, number, number, number];

/** The wasm kernel to run instead, by kernel name, for what a native kernel does not cover. */
export type Fallback = (kernelName: string) => KernelFunc | undefined;

/** Native kernels by kernel name. */
export type NativeKernelFuncs = Record<string, KernelFunc>;

/** Runs `fallback(name)` on the call's arguments, or throws when there is none. */
export function delegator(fallback: Fallback): (name: string, args: Parameters<KernelFunc>[0]) => ReturnType<KernelFunc> {
  return (name, args) => {
    const stock = fallback(name);
    if (stock === undefined) throw new Error(`${name}: no wasm kernel to fall back to for this call`);
    return stock(args);
  };
}

/** A float32 tensor's values on the wasm heap (take views after allocating: growing the heap detaches older ones). */
export function heapView(backend: BackendWasm, t: TensorInfo, name: string): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`${name} must be float32, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** The 15 numbers the addon reads a convolution's (or pooling's) geometry from. */
export function shapeOf(info: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}
