import {
  AvgPoolGrad,
  backend_util,
  Cast,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  FusedConv2D,
  FusedDepthwiseConv2D,
  getKernel,
  Identity,
  MaxPoolGrad,
  registerKernel,
  Sum,
  tidy,
  unregisterKernel,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type Tensor4D,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convFilterGradient, convInputGradient } from './conv-gradients.js';
import { depthwiseFilterGradient } from './depthwise-filter-gradient.js';
import { contiguousSum, wasmCast, sharedIdentity } from './identity-and-sum.js';
import { normalizeBatchGradKernel, normalizeBatchKernel, NormalizeBatch, NormalizeBatchGrad } from './normalize-batch.js';
import { avgPoolGrad, maxPoolGrad } from './pool-gradients.js';
import { nativeConvKernels } from './native-conv.js';
import type { NativeKernelFuncs } from './native-util.js';
import { nativePoolAndReduceKernels } from './native-pool-reduce.js';
import { nativeMovementKernels } from './native-movement.js';
import { MomentumSgdUpdate, momentumSgdUpdateKernel } from './momentum-sgd.js';
import { ReluGrad, reluGradKernel } from './relu-gradient.js';
import type { NativeAddon } from './native-kernels.js';

const BACKEND = 'wasm';

type Shape4 = [number, number, number, number];

/** The stock kernels that get wrapped, remembered so that registering twice never wraps a wrapper. */
const stockKernels = new Map<string, KernelConfig>();

function requireChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat === 'NCHW') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got 'NCHW'.`);
  }
}

/*
 * The kernels below run other wasm kernels through ordinary ops. While a kernel
 * runs, the engine's kernel depth is above zero, so those ops are not recorded
 * on the gradient tape; `tidy` frees every intermediate.
 */

const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as unknown as { x: Tensor4D; dy: Tensor4D };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  requireChannelsLast(Conv2DBackpropFilter, dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  return tidy(() => convFilterGradient(x, dy, info, false));
};

const conv2DBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as unknown as { dy: Tensor4D; filter: Tensor4D };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  requireChannelsLast(Conv2DBackpropInput, dataFormat);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode);
  return tidy(() => convInputGradient(dy, filter, info, false));
};

const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as unknown as { x: Tensor4D; dy: Tensor4D };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  return depthwiseFilterGradient(backend as BackendWasm, x, dy, info);
};

const depthwiseBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as unknown as { dy: Tensor4D; filter: Tensor4D };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
  return tidy(() => convInputGradient(dy, filter, info, true));
};

/**
 * Wraps a stock forward convolution kernel so that `'same'` padding with a
 * stride above 1 is passed as the equivalent explicit padding: the wasm
 * backend's `'same'` path returns zeros when the stride exceeds the kernel
 * size (tfjs#5907), explicit padding is computed correctly.
 */
function explicitSamePadding(stock: KernelConfig, depthwise: boolean): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as NamedAttrMap & {
      strides: number | [number, number];
      dilations?: number | [number, number];
      pad: unknown;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const strided = typeof attrs.strides === 'number' ? attrs.strides > 1 : attrs.strides.some((s) => s > 1);
    if (attrs.pad !== 'same' || !strided) return stock.kernelFunc(args);
    const x = args.inputs['x'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations ?? 1,
      'same',
      attrs.dimRoundingMode,
      depthwise,
    );
    const { top, bottom, left, right } = info.padInfo;
    const explicit = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return stock.kernelFunc({ ...args, attrs: { ...attrs, pad: explicit } });
  };
  return { ...stock, kernelFunc };
}

/** Options of {@link registerWasmTrainingKernels}. */
export interface WasmTrainingKernelsOptions {
  /**
   * The native addon from {@link loadNativeKernels}: when given, `Conv2D`,
   * `FusedConv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter`, the three
   * depthwise kernels, `MaxPoolGrad`, `AvgPoolGrad`, float32 `Sum` over
   * adjacent axes, `NormalizeBatch` and `NormalizeBatchGrad` run natively
   * (AVX2/FMA, on the wasm heap, on the addon's threads), falling back to
   * the kernels below for what the addon does not cover.
   */
  native?: NativeAddon;
}

/** What {@link registerWasmTrainingKernels} replaced, so that it can be put back. */
interface Replaced {
  kernelName: string;
  previous: KernelConfig | undefined;
}

/**
 * Registers the gradient kernels that make the tfjs `wasm` backend train
 * convolutional networks:
 *
 * - `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and
 *   `DepthwiseConv2dNativeBackpropInput`, which the wasm backend lacks;
 * - faster `Conv2DBackpropInput` (so also faster `conv2dTranspose`),
 *   `MaxPoolGrad` and `AvgPoolGrad`;
 * - an `Identity` that shares memory instead of copying (the engine clones
 *   every tensor it keeps for the backward pass), likewise a `Cast` to the
 *   same dtype, and a one-pass `Sum` over adjacent axes (bias gradients);
 * - {@link NormalizeBatch} and {@link NormalizeBatchGrad}, training-mode batch
 *   normalisation in two passes each, for libraries that call them by name.
 *
 * The convolution gradients run as XNNPACK forward convolutions; the pooling
 * gradients are single-pass loops over the wasm heap. It also wraps the
 * forward `Conv2D`, `DepthwiseConv2dNative`, `FusedConv2D` and
 * `FusedDepthwiseConv2D` kernels to route around the wasm backend's wrong
 * results for `'same'` padding with a stride larger than the kernel
 * (tfjs#5907).
 *
 * With `options.native` (see {@link loadNativeKernels}), the convolutions,
 * their gradients, the pooling gradients, sums and batch norm run in native
 * code instead.
 *
 * Import `@tensorflow/tfjs-backend-wasm` before calling it. It may be called
 * before or after the backend is initialised; calling it twice is harmless.
 *
 * @returns a function that restores the kernels registered before the call.
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelsOptions = {}): () => void {
  if (getKernel(Conv2D, BACKEND) == null) {
    throw new Error("No wasm kernels are registered: import '@tensorflow/tfjs-backend-wasm' before registering the training kernels.");
  }
  const configs: KernelConfig[] = [
    { kernelName: Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2DBackpropFilter },
    { kernelName: Conv2DBackpropInput, backendName: BACKEND, kernelFunc: conv2DBackpropInput },
    { kernelName: DepthwiseConv2dNativeBackpropFilter, backendName: BACKEND, kernelFunc: depthwiseBackpropFilter },
    { kernelName: DepthwiseConv2dNativeBackpropInput, backendName: BACKEND, kernelFunc: depthwiseBackpropInput },
    { kernelName: MaxPoolGrad, backendName: BACKEND, kernelFunc: maxPoolGrad as unknown as KernelFunc },
    { kernelName: AvgPoolGrad, backendName: BACKEND, kernelFunc: avgPoolGrad as unknown as KernelFunc },
    { kernelName: Identity, backendName: BACKEND, kernelFunc: sharedIdentity },
    { kernelName: NormalizeBatch, backendName: BACKEND, kernelFunc: normalizeBatchKernel },
    { kernelName: NormalizeBatchGrad, backendName: BACKEND, kernelFunc: normalizeBatchGradKernel },
  ];
  /** Registers `wrap` of the stock kernel `name` (the one found before any registration of ours). */
  const wrapStock = (name: string, wrap: (stock: KernelConfig) => KernelConfig) => {
    const stock = stockKernels.get(name) ?? getKernel(name, BACKEND);
    if (stock == null) return;
    stockKernels.set(name, stock);
    configs.push(wrap(stock));
  };
  wrapStock(Sum, contiguousSum);
  wrapStock(Cast, wasmCast);
  for (const [name, depthwise] of [
    [Conv2D, false],
    [DepthwiseConv2dNative, true],
    [FusedConv2D, false],
    [FusedDepthwiseConv2D, true],
  ] as const) {
    wrapStock(name, (stock) => explicitSamePadding(stock, depthwise));
  }
  configs.push({ kernelName: ReluGrad, backendName: BACKEND, kernelFunc: reluGradKernel });
  configs.push({ kernelName: MomentumSgdUpdate, backendName: BACKEND, kernelFunc: momentumSgdUpdateKernel });
  if (options.native !== undefined) {
    const stockOf = (name: string): KernelConfig | undefined => {
      const stock = stockKernels.get(name) ?? getKernel(name, BACKEND);
      if (stock !== undefined) stockKernels.set(name, stock);
      return stock;
    };
    // Snapshot: once the natives replace entries of `configs`, a lookup there would find them.
    const wasmKernels = new Map(configs.map((c) => [c.kernelName, c.kernelFunc]));
    const fallback = (name: string) => wasmKernels.get(name) ?? stockOf(name)?.kernelFunc;
    const natives: NativeKernelFuncs = {
      ...nativeConvKernels(options.native, fallback),
      ...nativePoolAndReduceKernels(options.native, fallback),
      ...nativeMovementKernels(options.native, fallback),
    };
    for (const [kernelName, kernelFunc] of Object.entries(natives)) {
      // Keep the replaced config's setupFunc: the stock fallback needs its wasm function bound.
      const index = configs.findIndex((c) => c.kernelName === kernelName);
      const base = index >= 0 ? configs[index] : stockOf(kernelName);
      const config = base === undefined ? { kernelName, backendName: BACKEND, kernelFunc } : { ...base, kernelFunc };
      if (index >= 0) configs[index] = config;
      else configs.push(config);
    }
  }
  const replaced: Replaced[] = configs.map((config) => {
    const previous = getKernel(config.kernelName, BACKEND);
    if (previous != null) unregisterKernel(config.kernelName, BACKEND);
    registerKernel(config);
    return { kernelName: config.kernelName, previous };
  });
  return () => {
    for (const { kernelName, previous } of replaced.reverse()) {
      unregisterKernel(kernelName, BACKEND);
      if (previous != null) registerKernel(previous);
    }
  };
}
