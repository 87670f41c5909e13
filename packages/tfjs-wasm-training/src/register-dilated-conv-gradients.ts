import {
  backend_util,
  Conv2D,
  DepthwiseConv2dNative,
  type Conv2DAttrs,
  type DepthwiseConv2dNativeAttrs,
  type GradConfig,
  type GradFunc,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { convFilterGradient, convInputGradient } from './conv-gradients.js';
import { replaceGradient } from './replace-gradient.js';

function isDilated(dilations: number | [number, number] | undefined | null): boolean {
  if (dilations == null) return false;
  return typeof dilations === 'number' ? dilations > 1 : dilations.some((d) => d > 1);
}

function withDilation(stock: GradConfig, depthwise: boolean): GradConfig {
  const gradFunc: GradFunc = (dy, saved, attrs) => {
    const { dilations, strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as Conv2DAttrs & DepthwiseConv2dNativeAttrs;
    if (!isDilated(dilations)) return stock.gradFunc(dy, saved, attrs);
    if (dataFormat === 'NCHW') {
      throw new Error("Gradients of dilated convolutions support dataFormat 'NHWC' only.");
    }
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const info = backend_util.computeConv2DInfo(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode, depthwise);
    return {
      x: () => convInputGradient(dy as Tensor4D, filter, info, depthwise) as Tensor,
      filter: () => convFilterGradient(x, dy as Tensor4D, info, depthwise) as Tensor,
    };
  };
  return { ...stock, gradFunc };
}

/**
 * Replaces the gradients of `Conv2D` and `DepthwiseConv2dNative` with ones
 * that also handle dilation rates above 1, which tfjs-core's own gradients
 * refuse on every backend ("dilation rates greater than 1 are not yet
 * supported"). Undilated convolutions keep tfjs-core's gradient; dilated ones
 * are differentiated with forward convolutions, so this works on any backend.
 *
 * Gradients are global in tfjs (not per backend). Register tfjs-core's
 * gradients first (`@tensorflow/tfjs` does it, or import
 * `@tensorflow/tfjs-core/dist/register_all_gradients`).
 *
 * @returns a function that restores the gradients registered before the call.
 */
export function registerDilatedConvGradients(): () => void {
  const restores: (() => void)[] = [];
  try {
    for (const [kernelName, depthwise] of [
      [Conv2D, false],
      [DepthwiseConv2dNative, true],
    ] as const) {
      restores.push(replaceGradient(kernelName, (stock) => withDilation(stock, depthwise)));
    }
  } catch (error) {
    for (const restore of restores.reverse()) restore();
    throw error;
  }
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}
