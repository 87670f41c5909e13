import { broadcastTo, div, getBackend, Mean, reshape, Sum, util, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { replaceGradient } from './replace-gradient.js';

/**
 * The shape of `x` with the reduced `axis` (a `Mean` or `Sum` attribute) set
 * to 1, `dy`'s shape before broadcasting; and the number of values reduced.
 */
function expandedShape(x: Tensor, attrs: NamedAttrMap): { shape: number[]; reduced: number } {
  const axes = util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
  const shape = x.shape.slice();
  let reduced = 1;
  for (const axis of axes) {
    reduced *= shape[axis]!;
    shape[axis] = 1;
  }
  return { shape, reduced };
}

/**
 * Replaces the gradient of `kernelName` by `gradFunc` for float32 tensors on `backends` (tfjs-core's
 * elsewhere); returns the restorer.
 */
function replaceFloatGradient(kernelName: string, backends: readonly string[], gradFunc: (dy: Tensor, x: Tensor, attrs: NamedAttrMap) => Tensor): () => void {
  return replaceGradient(kernelName, (stock) => ({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [Tensor];
      if (x.dtype !== 'float32' || (dy as Tensor).dtype !== 'float32' || !backends.includes(getBackend())) return stock.gradFunc(dy, saved, attrs);
      return { x: () => gradFunc(dy as Tensor, x, attrs) };
    },
  }));
}

/**
 * Replaces the gradients of `Mean` and `Sum` with ones that broadcast `dy`
 * (divided by the number of values reduced, for `Mean`) to the input's
 * shape, on float32 tensors. tfjs-core multiplies the reshaped `dy` by a
 * tensor of ones of the input's shape (filled in JavaScript: about 10 ms
 * for the global average pooling of a [64, 16, 16, 64] tensor) and, for `Mean`,
 * divides the whole result: two more passes over memory. The values are
 * the same bits (`dy * 1 / n` is `dy / n`); int32 tensors, and backends
 * not in `options.backends`, keep tfjs-core's gradients.
 *
 * The broadcast runs the backend's `Tile` kernel: register this only for
 * backends whose `Tile` is fast. The stock wasm `Tile` is not (with it a
 * `bench:train` step took 490 ms against 400 ms with tfjs-core's gradients);
 * the native kernels' is, so {@link setupWasmTraining} registers these
 * gradients for `wasm` when the native kernels are in use.
 *
 * Gradients are global in tfjs (not per backend). Register tfjs-core's
 * gradients first (`@tensorflow/tfjs` does it, or import
 * `@tensorflow/tfjs-core/dist/register_all_gradients`).
 *
 * @param options.backends the backends that get these gradients (default `['wasm']`).
 * @returns a function that restores the gradients registered before the call.
 */
export function registerReduceGradients(options: { readonly backends?: readonly string[] } = {}): () => void {
  const backends = options.backends ?? ['wasm'];
  const restoreMean = replaceFloatGradient(Mean, backends, (dy, x, attrs) => {
    const { shape, reduced } = expandedShape(x, attrs);
    return broadcastTo(div(reshape(dy, shape), reduced), x.shape);
  });
  let restoreSum: () => void;
  try {
    restoreSum = replaceFloatGradient(Sum, backends, (dy, x, attrs) => broadcastTo(reshape(dy, expandedShape(x, attrs).shape), x.shape));
  } catch (error) {
    restoreMean();
    throw error;
  }
  return () => {
    restoreSum();
    restoreMean();
  };
}
