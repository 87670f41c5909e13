import {
  Add,
  backend_util,
  Concat,
  Relu,
  PadV2,
  Slice,
  slice_util,
  SplitV,
  Tile,
  util,
  type ConcatAttrs,
  type KernelFunc,
  type PadV2Attrs,
  type SliceAttrs,
  type SplitVAttrs,
  type TileAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './native-kernels.js';
import { delegator, type Fallback, type NativeKernelFuncs } from './native-util.js';
import { ReluGrad } from './relu-gradient.js';

/**
 * `Relu` and `Add` go native from this many values: at 4,096 the stock and
 * native calls measured about the same, from 16,384 the native ones faster
 * (2 threads; both give the same bits).
 */
export const NATIVE_ELEMENTWISE_MIN = 16384;

/** The addon copies boxes of at most this rank. */
const MAX_RANK = 8;

type Words = Float32Array | Int32Array;

/** Float32 and int32 tensors move natively (4-byte values); other dtypes go to the stock kernels. */
function movable(t: TensorInfo): boolean {
  return (t.dtype === 'float32' || t.dtype === 'int32') && t.shape.length <= MAX_RANK;
}

function words(backend: BackendWasm, t: TensorInfo): Words {
  return backend.typedArrayFromHeap(t) as Words;
}

/**
 * Copies the box `size` at `srcBegin` of `src` (shape `srcShape`) to
 * `dstBegin` of `dst` (shape `dstShape`). Scalars are boxes of rank 1.
 */
function copyBox(
  addon: NativeAddon,
  src: Words,
  srcShape: number[],
  dst: Words,
  dstShape: number[],
  srcBegin: number[],
  dstBegin: number[],
  size: number[],
): void {
  if (srcShape.length === 0) {
    [srcShape, dstShape, srcBegin, dstBegin, size] = [[1], [1], [0], [0], [1]];
  }
  addon.copyBox(src, dst, Int32Array.from([srcShape.length, ...srcShape, ...dstShape, ...srcBegin, ...dstBegin, ...size]));
}

/**
 * Kernel functions that run `Slice`, `SplitV`, `Concat`, `PadV2` and `Tile` (float32
 * and int32 tensors up to rank 8) with the native addon's threaded box
 * copies, and {@link ReluGrad}, `Relu` and `Add` (float32; `Add` of the same
 * shapes, or of a vector along the last axis: a bias) with its threaded
 * elementwise loops, from {@link NATIVE_ELEMENTWISE_MIN} values; falling back
 * to `fallback(kernelName)` for the rest.
 */
export function nativeMovementKernels(addon: NativeAddon, fallback: Fallback): NativeKernelFuncs {
  const delegate = delegator(fallback);

  const sliceOf = (backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo => {
    const out = backend.makeOutput(size, x.dtype);
    if (util.sizeFromShape(size) > 0) {
      copyBox(
        addon,
        words(backend, x),
        x.shape,
        words(backend, out),
        size,
        begin,
        begin.map(() => 0),
        size,
      );
    }
    return out;
  };

  const slice: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    if (!movable(x)) return delegate(Slice, args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [begins, sizes] = slice_util.parseSliceParams(x, begin, size);
    slice_util.assertParamsValid(x, begins!, sizes!);
    return sliceOf(backend, x, begins!, sizes!);
  };

  const splitV: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    if (!movable(x)) return delegate(SplitV, args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const $axis = util.parseAxisParam(axis, x.shape)[0]!;
    const splitSizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return splitSizes.map((s) => {
      const size = [...x.shape];
      size[$axis] = s;
      const out = sliceOf(backend, x, [...begin], size);
      begin[$axis]! += s;
      return out;
    });
  };

  const concat: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const inputs = args.inputs as unknown as TensorInfo[];
    const first = inputs[0];
    if (first === undefined || !inputs.every((t) => movable(t) && t.dtype === first.dtype)) return delegate(Concat, args);
    const { axis } = args.attrs as unknown as ConcatAttrs;
    const $axis = util.parseAxisParam(axis, first.shape)[0]!;
    const outShape = backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      $axis,
    );
    const out = backend.makeOutput(outShape, first.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    const dst = words(backend, out);
    let offset = 0;
    for (const t of inputs) {
      if (util.sizeFromShape(t.shape) > 0) {
        const dstBegin = t.shape.map((_, i) => (i === $axis ? offset : 0));
        copyBox(
          addon,
          words(backend, t),
          t.shape,
          dst,
          outShape,
          t.shape.map(() => 0),
          dstBegin,
          t.shape,
        );
      }
      offset += t.shape[$axis]!;
    }
    return out;
  };

  const padV2: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    if (!movable(x) || x.shape.length === 0) return delegate(PadV2, args);
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    if (paddings.some(([before, after]) => before < 0 || after < 0)) return delegate(PadV2, args);
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    const dst = words(backend, out);
    addon.fill(dst, constantValue);
    if (util.sizeFromShape(x.shape) > 0) {
      copyBox(
        addon,
        words(backend, x),
        x.shape,
        dst,
        outShape,
        x.shape.map(() => 0),
        paddings.map(([before]) => before),
        x.shape,
      );
    }
    return out;
  };

  const tile: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    const { reps } = args.attrs as unknown as TileAttrs;
    if (!movable(x) || x.shape.length === 0 || reps.length !== x.shape.length) return delegate(Tile, args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) > 0) addon.tile(words(backend, x), words(backend, out), Int32Array.from([x.shape.length, ...x.shape, ...reps]));
    return out;
  };

  const reluGrad: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    if (dy.dtype !== 'float32' || x.dtype !== 'float32') return delegate(ReluGrad, args);
    const out = backend.makeOutput(x.shape, 'float32');
    addon.reluGrad(words(backend, dy) as Float32Array, words(backend, x) as Float32Array, words(backend, out) as Float32Array);
    return out;
  };

  const relu: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32' || util.sizeFromShape(x.shape) < NATIVE_ELEMENTWISE_MIN) return delegate(Relu, args);
    const out = backend.makeOutput(x.shape, 'float32');
    addon.relu(words(backend, x) as Float32Array, words(backend, out) as Float32Array);
    return out;
  };

  /** The period of `b` along `a` when `a + b` has `a`'s shape and `b` is `a`'s shape or its last axis (with leading 1s); else 0. */
  const periodAlong = (a: TensorInfo, b: TensorInfo): number => {
    if (util.arraysEqual(a.shape, b.shape)) return util.sizeFromShape(a.shape);
    const last = a.shape.at(-1);
    if (last === undefined || b.shape.length > a.shape.length || b.shape.at(-1) !== last) return 0;
    return b.shape.slice(0, -1).every((d) => d === 1) ? last : 0;
  };
  const add: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return delegate(Add, args);
    // Float addition commutes bit for bit, so the larger operand goes first.
    const [big, small] = util.sizeFromShape(a.shape) >= util.sizeFromShape(b.shape) ? [a, b] : [b, a];
    const period = periodAlong(big, small);
    if (period === 0 || util.sizeFromShape(big.shape) < NATIVE_ELEMENTWISE_MIN) return delegate(Add, args);
    const out = backend.makeOutput(big.shape, 'float32');
    addon.add(words(backend, big) as Float32Array, words(backend, small) as Float32Array, words(backend, out) as Float32Array);
    return out;
  };

  return { [Slice]: slice, [SplitV]: splitV, [Concat]: concat, [PadV2]: padV2, [Tile]: tile, [ReluGrad]: reluGrad, [Relu]: relu, [Add]: add };
}
