import {
  backend_util,
  cast,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  engine,
  FusedConv2D,
  getBackend,
  getGradient,
  getKernel,
  mul,
  registerGradient,
  reshape,
  step,
  sum,
  type FusedConv2DAttrs,
  type GradConfig,
  type NamedAttrMap,
  type NamedTensorMap,
  type Tensor,
  type Tensor1D,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { convFilterGradient, convInputGradient } from './conv-gradients.js';
import { ReluGrad } from './relu-gradient.js';

/**
 * Name of a kernel computing, in one pass, what the gradient of
 * `relu(conv + bias)` needs before the convolution: inputs `{ dy, y }` (`y`
 * the relu's output), outputs `[dx, dbias]` with `dx = dy * step(y)` (as
 * {@link ReluGrad}, NaN included) and `dbias` the sum of `dx` over every axis
 * but the last (one value per channel). The native kernel gives the bits of
 * `ReluGrad` followed by `Sum`.
 *
 * {@link registerWasmTrainingKernels} registers it for wasm where the native
 * addon is in use; elsewhere {@link conv2dBiasActivation}'s gradient composes
 * the same from `ReluGrad` (or tfjs-core's `Step`, `Cast`, `Multiply`) and `Sum`.
 */
export const ReluBiasGrad = 'ReluBiasGrad';

/** The activations {@link conv2dBiasActivation} applies and differentiates. */
export type BiasActivation = 'linear' | 'relu';

/** Arguments of {@link conv2dBiasActivation}: those of `tf.fused.conv2d`, NHWC, with `linear` or `relu`. */
export interface Conv2dBiasActivationArgs {
  /** The input, `[batch, height, width, inChannels]`. */
  x: Tensor4D;
  /** The filter, `[filterHeight, filterWidth, inChannels, outChannels]`. */
  filter: Tensor4D;
  /** One value per output channel (shape `[outChannels]`, or with leading axes of size 1), or none. */
  bias?: Tensor | null;
  /** @default 1 */
  strides?: number | [number, number];
  pad: FusedConv2DAttrs['pad'];
  /** Dilation rates; strides and dilations cannot both exceed 1. @default 1 */
  dilations?: number | [number, number];
  /** Applied after the bias. @default 'linear' */
  activation?: BiasActivation;
  dimRoundingMode?: FusedConv2DAttrs['dimRoundingMode'];
}

const ACTIVATIONS: readonly string[] = ['linear', 'relu'];

/**
 * The gradient of `FusedConv2D` with a `linear` or `relu` activation, NHWC.
 * It computes `dy' = dy * step(y)` (relu; `dy` for linear) and the bias
 * gradient at once ({@link ReluBiasGrad} where the backend has it), then, per
 * input and only when the tape asks for it, the filter gradient
 * (`Conv2DBackpropFilter`) and the input gradient (`Conv2DBackpropInput`):
 * tfjs-core's tape calls an input's gradient only when that input depends on
 * a tensor being differentiated, so a first layer's input gradient is never
 * computed. Dilated convolutions are differentiated as
 * {@link registerDilatedConvGradients} does.
 */
const fusedConv2DGradient: GradConfig = {
  kernelName: FusedConv2D,
  // Not the bias: it may be absent, and saving an absent input fails. Its shape comes as an attribute.
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, biasShape } = attrs as unknown as FusedConv2DAttrs & {
      biasShape?: number[];
    };
    const act = activation ?? 'linear';
    if (!ACTIVATIONS.includes(act)) {
      throw new Error(`The gradient of FusedConv2D supports the activations 'linear' and 'relu' only, got '${act}'.`);
    }
    if (dataFormat === 'NCHW') throw new Error("The gradient of FusedConv2D supports dataFormat 'NHWC' only.");
    const [x, filter, y] = saved as [Tensor4D, Tensor4D, Tensor4D];
    const [dyAct, dbias] = biasActivationGrad(dy as Tensor4D, y, act as BiasActivation);
    const info = backend_util.computeConv2DInfo(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode);
    const dilated = info.dilationHeight > 1 || info.dilationWidth > 1;
    const convAttrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode } as unknown as NamedAttrMap;
    return {
      x: () =>
        dilated
          ? convInputGradient(dyAct, filter, info, false)
          : (engine().runKernel(Conv2DBackpropInput, { dy: dyAct, filter }, { ...convAttrs, inputShape: x.shape }) as Tensor4D),
      filter: () =>
        dilated
          ? convFilterGradient(x, dyAct, info, false)
          : (engine().runKernel(Conv2DBackpropFilter, { x, dy: dyAct }, { ...convAttrs, filterShape: filter.shape }) as Tensor4D),
      bias: () => {
        // Called only where a bias was given. tfjs-core's rule for a broadcast add: dy' summed
        // over the axes the bias was broadcast along (all but the channels for a bias per channel).
        const shape = biasShape ?? [y.shape[3]];
        const axes = backend_util.getReductionAxes(shape, y.shape);
        const perChannel = axes.length === 3 && axes.every((a, i) => a === i);
        return reshape(perChannel && dbias !== undefined ? dbias : sum(dyAct, axes), shape);
      },
    };
  },
};

/**
 * `dy * step(y)` (relu) or `dy` (linear), with its sum over every axis but
 * the last when one kernel computes both ({@link ReluBiasGrad}); otherwise
 * the bias gradient is left to be summed only if it is asked for.
 */
function biasActivationGrad(dy: Tensor4D, y: Tensor4D, activation: BiasActivation): [Tensor4D, Tensor1D | undefined] {
  if (activation === 'linear') return [dy, undefined];
  const float32 = dy.dtype === 'float32' && y.dtype === 'float32';
  if (float32 && dy.size > 0 && getKernel(ReluBiasGrad, getBackend()) != null) {
    return engine().runKernel(ReluBiasGrad, { dy, y }) as unknown as [Tensor4D, Tensor1D];
  }
  // What the gradient of Relu computes (registerReluGradient's, or tfjs-core's); step(y) is step(x) for y = relu(x).
  const dyAct =
    float32 && getKernel(ReluGrad, getBackend()) != null
      ? (engine().runKernel(ReluGrad, { dy, x: y }) as Tensor4D)
      : mul<Tensor4D>(dy, cast(step(y), 'float32'));
  return [dyAct, undefined];
}

/**
 * Registers the gradient of `FusedConv2D` that {@link conv2dBiasActivation}
 * relies on, unless one is registered already. tfjs-core registers none: its
 * `tf.fused.conv2d` differentiates through `customGrad`, and does not fuse a
 * relu at all while a gradient is recorded.
 */
function ensureFusedConv2DGradient(): void {
  if (getGradient(FusedConv2D) == null) registerGradient(fusedConv2DGradient);
}

/**
 * A 2-D convolution (NHWC), plus a bias, then a `linear` or `relu`
 * activation, as one `FusedConv2D` kernel forward and a registered gradient
 * backward: a drop-in for `tf.fused.conv2d` in training code.
 *
 * `tf.fused.conv2d` serves training poorly: with `relu` it falls back to
 * separate `Conv2D`, `Add` and `Relu` kernels whenever a gradient is recorded,
 * and its `customGrad` computes every input's gradient, including the input
 * gradient of a first layer, whose input is the data. Here the forward pass is
 * always the one `FusedConv2D` kernel (with this package's native kernels,
 * the bias and relu run in the convolution's epilogue, with the bits of
 * `Conv2D`, `Add` and `Relu`), and the backward pass is one fused
 * {@link ReluBiasGrad} pass (`dy * step(y)` and the bias gradient), the filter
 * gradient, and the input gradient only where the input depends on what is
 * being differentiated (a variable in `optimizer.minimize`).
 *
 * Works on every backend that has `FusedConv2D` (wasm, cpu, webgl, webgpu,
 * node); the gradient falls back to ordinary ops where the backend lacks
 * {@link ReluBiasGrad}. Needs tfjs-core's gradients (`@tensorflow/tfjs`
 * registers them) for the ops around it only.
 *
 * The first call registers the gradient of `FusedConv2D` (global, every
 * backend) when no gradient is registered for it; tfjs-core's own fused ops
 * are unaffected (they differentiate through `customGrad`).
 *
 * @example
 * ```ts
 * const h = conv2dBiasActivation({ x, filter: w1, bias: b1, strides: 1, pad: 'same', activation: 'relu' });
 * ```
 */
export function conv2dBiasActivation(args: Conv2dBiasActivationArgs): Tensor4D {
  const { x, filter, bias, strides = 1, pad, dilations = 1, activation = 'linear', dimRoundingMode } = args;
  if (x.rank !== 4) throw new Error(`conv2dBiasActivation: x must be rank 4 (NHWC), got rank ${x.rank}.`);
  if (filter.rank !== 4) throw new Error(`conv2dBiasActivation: filter must be rank 4, got rank ${filter.rank}.`);
  if (x.shape[3] !== filter.shape[2]) {
    throw new Error(`conv2dBiasActivation: x has ${x.shape[3]} channels, the filter expects ${filter.shape[2]}.`);
  }
  if (!ACTIVATIONS.includes(activation)) {
    throw new Error(`conv2dBiasActivation: activation must be 'linear' or 'relu', got '${String(activation)}'.`);
  }
  const outChannels = filter.shape[3];
  if (bias != null && (bias.size !== outChannels || bias.shape[bias.rank - 1] !== outChannels)) {
    throw new Error(`conv2dBiasActivation: bias must hold one value per output channel (${outChannels}), got shape [${bias.shape}].`);
  }
  const pair = (v: number | [number, number]) => (typeof v === 'number' ? [v, v] : v);
  if (pair(strides).some((s) => s > 1) && pair(dilations).some((d) => d > 1)) {
    throw new Error(`conv2dBiasActivation: strides (${strides}) and dilations (${dilations}) cannot both exceed 1.`);
  }
  ensureFusedConv2DGradient();
  const inputs: NamedTensorMap = bias == null ? { x, filter } : { x, filter, bias };
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode, activation, ...(bias == null ? {} : { biasShape: bias.shape }) };
  return engine().runKernel(FusedConv2D, inputs, attrs as unknown as NamedAttrMap) as Tensor4D;
}
