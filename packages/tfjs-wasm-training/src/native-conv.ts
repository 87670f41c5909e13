import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  FusedConv2D,
  util,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type FusedConv2DAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './native-kernels.js';
import { delegator, heapView, shapeOf, type Fallback, type NativeKernelFuncs, type Shape4 } from './native-util.js';

/** The activations the native forward convolution applies itself, by tfjs name. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

/** True when some axis is empty: the addon takes positive sizes only, and the stock kernels handle these. */
function empty(info: backend_util.Conv2DInfo): boolean {
  return util.sizeFromShape(info.inShape) === 0 || util.sizeFromShape(info.outShape) === 0;
}

function channelsLast(dataFormat: string | undefined): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC';
}

/**
 * Kernel functions that run `Conv2D`, `FusedConv2D` (bias and linear / relu /
 * relu6 / leaky relu activation), `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter` and the three depthwise kernels on the wasm heap
 * with the native addon. Each falls back to `fallback(kernelName)` for what
 * the addon does not cover (NCHW, empty tensors, other activations, a bias
 * that is not one value per channel).
 */
export function nativeConvKernels(addon: NativeAddon, fallback: Fallback): NativeKernelFuncs {
  const delegate = delegator(fallback);

  const conv2d: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
    if (!channelsLast(dataFormat)) return delegate(Conv2D, args);
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
    if (empty(info)) return delegate(Conv2D, args);
    const out = backend.makeOutput(info.outShape, 'float32');
    // Views are taken after the allocation: growing the heap detaches older ones.
    addon.conv2d(heapView(backend, x, 'x'), heapView(backend, filter, 'filter'), heapView(backend, out, 'y'), shapeOf(info));
    return out;
  };

  const fusedConv2d: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x, filter, bias, preluActivationWeights } = args.inputs as {
      x: TensorInfo;
      filter: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } = args.attrs as unknown as FusedConv2DAttrs;
    const code = ACTIVATIONS[activation ?? 'linear'];
    if (!channelsLast(dataFormat) || code === undefined || preluActivationWeights != null) {
      return delegate(FusedConv2D, args);
    }
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
    if (empty(info) || (bias != null && util.sizeFromShape(bias.shape) !== info.outChannels)) {
      return delegate(FusedConv2D, args);
    }
    const out = backend.makeOutput(info.outShape, 'float32');
    addon.conv2d(
      heapView(backend, x, 'x'),
      heapView(backend, filter, 'filter'),
      heapView(backend, out, 'y'),
      shapeOf(info),
      bias == null ? null : heapView(backend, bias, 'bias'),
      code,
      leakyreluAlpha ?? 0.2,
    );
    return out;
  };

  const backpropInput: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (!channelsLast(dataFormat)) return delegate(Conv2DBackpropInput, args);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
    if (empty(info)) return delegate(Conv2DBackpropInput, args);
    const out = backend.makeOutput(info.inShape, 'float32');
    addon.conv2dBackpropInput(heapView(backend, dy, 'dy'), heapView(backend, filter, 'filter'), heapView(backend, out, 'dx'), shapeOf(info));
    return out;
  };

  const backpropFilter: KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!channelsLast(dataFormat)) return delegate(Conv2DBackpropFilter, args);
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
    if (empty(info)) return delegate(Conv2DBackpropFilter, args);
    const out = backend.makeOutput(filterShape, 'float32');
    addon.conv2dBackpropFilter(heapView(backend, x, 'x'), heapView(backend, dy, 'dy'), heapView(backend, out, 'dw'), shapeOf(info));
    return out;
  };

  /** The three depthwise kernels: `[a, b] -> out` with a's, b's and out's roles per kernel. */
  const depthwise = (name: string, run: (a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array) => void): KernelFunc => {
    return (args) => {
      const backend = args.backend as BackendWasm;
      const attrs = args.attrs as unknown as DepthwiseConv2dNativeAttrs &
        Partial<DepthwiseConv2dNativeBackpropInputAttrs & DepthwiseConv2dNativeBackpropFilterAttrs>;
      if (!channelsLast(attrs.dataFormat)) return delegate(name, args);
      const inputs = args.inputs as Record<string, TensorInfo>;
      let xShape: Shape4;
      let filterShape: Shape4;
      let a: TensorInfo;
      let b: TensorInfo;
      if (name === DepthwiseConv2dNative) {
        a = inputs['x']!;
        b = inputs['filter']!;
        xShape = a.shape as Shape4;
        filterShape = b.shape as Shape4;
      } else if (name === DepthwiseConv2dNativeBackpropInput) {
        a = inputs['dy']!;
        b = inputs['filter']!;
        xShape = attrs.inputShape!;
        filterShape = b.shape as Shape4;
      } else {
        a = inputs['x']!;
        b = inputs['dy']!;
        xShape = a.shape as Shape4;
        filterShape = attrs.filterShape!;
      }
      const info = backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
      if (empty(info)) return delegate(name, args);
      const outShape = name === DepthwiseConv2dNative ? info.outShape : name === DepthwiseConv2dNativeBackpropInput ? info.inShape : filterShape;
      const out = backend.makeOutput(outShape, 'float32');
      run(heapView(backend, a, 'a'), heapView(backend, b, 'b'), heapView(backend, out, 'out'), shapeOf(info));
      return out;
    };
  };

  return {
    [DepthwiseConv2dNative]: depthwise(DepthwiseConv2dNative, (x, w, y, shape) => addon.depthwiseConv2d(x, w, y, shape)),
    [DepthwiseConv2dNativeBackpropInput]: depthwise(DepthwiseConv2dNativeBackpropInput, (dy, w, dx, shape) =>
      addon.depthwiseConv2dBackpropInput(dy, w, dx, shape),
    ),
    [DepthwiseConv2dNativeBackpropFilter]: depthwise(DepthwiseConv2dNativeBackpropFilter, (x, dy, dw, shape) =>
      addon.depthwiseConv2dBackpropFilter(x, dy, dw, shape),
    ),
    [Conv2D]: conv2d,
    [FusedConv2D]: fusedConv2d,
    [Conv2DBackpropInput]: backpropInput,
    [Conv2DBackpropFilter]: backpropFilter,
  };
}
