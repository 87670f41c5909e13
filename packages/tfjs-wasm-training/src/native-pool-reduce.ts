import {
  AvgPool,
  AvgPoolGrad,
  backend_util,
  MaxPool,
  MaxPoolGrad,
  Mean,
  Sum,
  util,
  type AvgPoolAttrs,
  type AvgPoolGradAttrs,
  type KernelFunc,
  type MaxPoolAttrs,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './native-kernels.js';
import { delegator, heapView, shapeOf, type Fallback, type NativeKernelFuncs, type Shape4 } from './native-util.js';
import { NormalizeBatch, NormalizeBatchGrad } from './normalize-batch.js';
import { adjacentReduction } from './identity-and-sum.js';
import { ReluBiasGrad } from './conv2d-bias-activation.js';

/**
 * Kernel functions that run `MaxPool` and `AvgPool` (float32; the cpu
 * backend's rules and bits, see {@link NativeAddon.maxPool} and
 * {@link NativeAddon.avgPool}), `MaxPoolGrad`, `AvgPoolGrad`, float32 `Sum` and `Mean` over
 * adjacent axes, {@link ReluBiasGrad}, {@link NormalizeBatch} and {@link NormalizeBatchGrad} with
 * the native addon, falling back to `fallback(kernelName)` for the rest
 * (other dtypes, non-adjacent axes, empty tensors).
 */
export function nativePoolAndReduceKernels(addon: NativeAddon, fallback: Fallback): NativeKernelFuncs {
  const delegate = delegator(fallback);

  const poolInfo = (input: TensorInfo, attrs: MaxPoolGradAttrs | AvgPoolGradAttrs) =>
    backend_util.computePool2DInfo(input.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, (attrs as MaxPoolGradAttrs).dimRoundingMode);

  /** `MaxPool` or `AvgPool` forward (float32; other dtypes, empty tensors and dilations to the stock kernel). */
  const poolForward =
    (name: typeof MaxPool | typeof AvgPool): KernelFunc =>
    (args) => {
      const backend = args.backend as BackendWasm;
      const x = args.inputs['x'] as TensorInfo;
      const attrs = args.attrs as unknown as MaxPoolAttrs | AvgPoolAttrs;
      if (x.dtype !== 'float32' || util.sizeFromShape(x.shape) === 0) return delegate(name, args);
      const info = backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
      if (util.sizeFromShape(info.outShape) === 0 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return delegate(name, args);
      const out = backend.makeOutput(info.outShape, 'float32');
      const run = name === MaxPool ? addon.maxPool : addon.avgPool;
      run.call(addon, heapView(backend, x, 'x'), heapView(backend, out, 'y'), shapeOf(info));
      return out;
    };

  const maxPoolGrad: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output?: TensorInfo };
    const info = poolInfo(input, args.attrs as unknown as MaxPoolGradAttrs);
    if (util.sizeFromShape(input.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return delegate(MaxPoolGrad, args);
    const out = backend.makeOutput(input.shape, 'float32');
    addon.maxPoolGrad(
      heapView(backend, input, 'input'),
      heapView(backend, dy, 'dy'),
      heapView(backend, out, 'dx'),
      shapeOf(info),
      output == null ? null : heapView(backend, output, 'output'),
    );
    return out;
  };

  const avgPoolGrad: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const info = poolInfo(input, args.attrs as unknown as AvgPoolGradAttrs);
    if (util.sizeFromShape(input.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return delegate(AvgPoolGrad, args);
    const out = backend.makeOutput(input.shape, 'float32');
    addon.avgPoolGrad(heapView(backend, dy, 'dy'), heapView(backend, out, 'dx'), shapeOf(info));
    return out;
  };

  /** `Sum` or `Mean` over adjacent axes, summed in float64 (the mean divided there too). */
  const reduction =
    (name: typeof Sum | typeof Mean): KernelFunc =>
    (args) => {
      const view = adjacentReduction(args);
      if (view === undefined) return delegate(name, args);
      const backend = args.backend as BackendWasm;
      const out = backend.makeOutput(view.outShape, 'float32');
      const x = heapView(backend, args.inputs['x'] as TensorInfo, 'x');
      const run = name === Sum ? addon.sumAdjacent : addon.meanAdjacent;
      run.call(addon, x, heapView(backend, out, 'out'), view.outer, view.reduced, view.inner);
      return out;
    };

  /** One pass: `dx = dy * step(y)` and its sum per channel, the bits of `ReluGrad` then `Sum`. */
  const reluBiasGrad: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, y } = args.inputs as { dy: TensorInfo; y: TensorInfo };
    if (!util.arraysEqual(dy.shape, y.shape)) throw new Error(`${ReluBiasGrad}: dy [${dy.shape}] and y [${y.shape}] differ in shape`);
    const channels = dy.shape[dy.shape.length - 1] ?? 1;
    const dbias = backend.makeOutput([channels], 'float32');
    const dx = backend.makeOutput(dy.shape, 'float32');
    addon.reluBiasGrad(heapView(backend, dy, 'dy'), heapView(backend, y, 'y'), heapView(backend, dx, 'dx'), heapView(backend, dbias, 'dbias'));
    return [dx, dbias];
  };

  const normalizeBatch: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs['x'] as TensorInfo;
    const epsilon = (args.attrs as { epsilon: number }).epsilon;
    if (util.sizeFromShape(x.shape) === 0) return delegate(NormalizeBatch, args);
    const channels = x.shape[x.shape.length - 1]!;
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput([channels], 'float32');
    const variance = backend.makeOutput([channels], 'float32');
    addon.normalizeBatch(
      heapView(backend, x, 'x'),
      heapView(backend, y, 'y'),
      heapView(backend, mean, 'mean'),
      heapView(backend, variance, 'variance'),
      channels,
      epsilon,
    );
    return [y, mean, variance];
  };

  const normalizeBatchGrad: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, y, variance } = args.inputs as { dy: TensorInfo; y: TensorInfo; variance: TensorInfo };
    const epsilon = (args.attrs as { epsilon: number }).epsilon;
    if (util.sizeFromShape(y.shape) === 0) return delegate(NormalizeBatchGrad, args);
    const channels = y.shape[y.shape.length - 1]!;
    const dx = backend.makeOutput(y.shape, 'float32');
    addon.normalizeBatchGrad(
      heapView(backend, dy, 'dy'),
      heapView(backend, y, 'y'),
      heapView(backend, variance, 'variance'),
      heapView(backend, dx, 'dx'),
      channels,
      epsilon,
    );
    return dx;
  };

  return {
    [MaxPool]: poolForward(MaxPool),
    [AvgPool]: poolForward(AvgPool),
    [MaxPoolGrad]: maxPoolGrad,
    [AvgPoolGrad]: avgPoolGrad,
    [Sum]: reduction(Sum),
    [Mean]: reduction(Mean),
    [ReluBiasGrad]: reluBiasGrad,
    [NormalizeBatch]: normalizeBatch,
    [NormalizeBatchGrad]: normalizeBatchGrad,
  };
}
