import { broadcastTo, div, Mean, reshape, Sum, util, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
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

/** Replaces the gradient of `kernelName` by `gradFunc` for float32 tensors (tfjs-core's elsewhere); returns the restorer. */
function replaceFloatGradient(kernelName: string, gradFunc: (dy: Tensor, x: Tensor, attrs: NamedAttrMap) => Tensor): () => void {
  return replaceGradient(kernelName, (stock) => ({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [Tensor];
      if (x.dtype !== 'float32' || (dy as Tensor).dtype !== 'float32') return stock.gradFunc(dy, saved, attrs);
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
 * the same bits (`dy * 1 / n` is `dy / n`); int32 tensors keep tfjs-core's
 * gradients.
 *
 * Gradients are global in tfjs (not per backend). Register tfjs-core's
 * gradients first (`@tensorflow/tfjs` does it, or import
 * `@tensorflow/tfjs-core/dist/register_all_gradients`).
 *
 * @returns a function that restores the gradients registered before the call.
 */
export function registerReduceGradients(): () => void {
  const restoreMean = replaceFloatGradient(Mean, (dy, x, attrs) => {
    const { shape, reduced } = expandedShape(x, attrs);
    return broadcastTo(div(reshape(dy, shape), reduced), x.shape);
  });
  let restoreSum: () => void;
  try {
    restoreSum = replaceFloatGradient(Sum, (dy, x, attrs) => broadcastTo(reshape(dy, expandedShape(x, attrs).shape), x.shape));
  } catch (error) {
    restoreMean();
    throw error;
  }
  return () => {
    restoreSum();
    restoreMean();
  };
}
