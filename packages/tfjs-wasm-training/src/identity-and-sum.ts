import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * `Identity` that shares the input's memory (reference counted, as `Reshape`
 * does on wasm and `Identity` does on cpu) instead of copying it. The engine
 * clones every tensor it keeps for the backward pass through `Identity`, so
 * the stock copy costs a full memory pass per saved activation.
 */
export const sharedIdentity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs['x'] as TensorInfo;
  if (x.dtype === 'string') throw new Error('string tensors are not supported here');
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Wraps the stock `Cast`: a cast to the tensor's own dtype shares its memory
 * ({@link sharedIdentity}) where the stock kernel copies it (tfjs-core's
 * `avgPool` casts its float32 result to float32 on every call: a full pass
 * over the output, 57 casts and 23 ms of a classification search step); a
 * cast of numbers to `bool` gives 1 for every value other than 0 (NaN
 * included), as the cpu backend does, where the stock kernel stores the
 * values' low bytes (2 stays 2, -1 becomes 255).
 */
export function wasmCast(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const { dtype } = args.attrs as { dtype: string };
    if (x.dtype === 'string') return stock.kernelFunc(args);
    if (dtype === x.dtype) return sharedIdentity(args);
    if (dtype !== 'bool') return stock.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape, 'bool');
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  };
  return { ...stock, kernelFunc };
}

/** A sum over a run of adjacent axes, seen as `[outer, reduced, inner]`, with its output shape. */
export interface AdjacentReduction {
  outer: number;
  reduced: number;
  inner: number;
  outShape: number[];
}

/**
 * The `[outer, reduced, inner]` view of a float32 `Sum` whose axes are
 * adjacent, or undefined when the call is another kind (other dtype, no
 * axes, axes with gaps, an empty tensor): that one goes to the stock kernel.
 */
export function adjacentReduction(args: Parameters<KernelFunc>[0]): AdjacentReduction | undefined {
  const x = args.inputs['x'] as TensorInfo;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  if (x.dtype !== 'float32' || axes.length === 0 || !adjacent || util.sizeFromShape(x.shape) === 0) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const kept = x.shape.filter((_, i) => i < first || i > last);
  return {
    outer: util.sizeFromShape(x.shape.slice(0, first)),
    reduced: util.sizeFromShape(x.shape.slice(first, last + 1)),
    inner: util.sizeFromShape(x.shape.slice(last + 1)),
    outShape: keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept,
  };
}

/**
 * Wraps the stock `Sum`: float32 sums over a run of adjacent axes (bias
 * gradients reduce `[batch, height, width]` of NHWC tensors) are added up in
 * one pass, in float64, where the stock kernel first transposes the reduced
 * axes to the end.
 */
export function contiguousSum(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const view = adjacentReduction(args);
    if (view === undefined) return stock.kernelFunc(args);
    const { outer, reduced, inner, outShape } = view;
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    const out = backend.makeOutput(outShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const acc = new Float64Array(inner);
    // Each column is summed in a local over a block of rows that stays in the cache:
    // V8 runs that several times faster than adding every row into `acc`.
    const blockRows = Math.max(1, Math.floor(16384 / inner));
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      const base = o * reduced * inner;
      for (let r0 = 0; r0 < reduced; r0 += blockRows) {
        const start = base + r0 * inner;
        const end = base + Math.min(reduced, r0 + blockRows) * inner;
        for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let at = start + i; at < end; at += inner) sum += src[at]!;
          acc[i]! += sum;
        }
      }
      dst.set(acc, o * inner);
    }
    return out;
  };
  return { ...stock, kernelFunc };
}
