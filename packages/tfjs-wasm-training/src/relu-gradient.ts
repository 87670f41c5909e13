import { engine, getBackend, getKernel, Relu, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { replaceGradient } from './replace-gradient.js';

/**
 * Name of a kernel computing the gradient of `relu` in one pass: inputs
 * `{ dy, x }`, output `dy * step(x)` (1 where `x > 0`, 0 elsewhere, NaN where
 * `x` is NaN). tfjs-core composes it from three kernels (`Step`, `Cast`,
 * `Multiply`), three passes over memory and two temporary tensors.
 *
 * {@link registerWasmTrainingKernels} registers it for wasm, and
 * {@link registerReluGradient} makes the gradient of `Relu` call it on the
 * backends that have it.
 */
export const ReluGrad = 'ReluGrad';

/** {@link ReluGrad} on the wasm heap in JavaScript (the native addon has its own). */
export const reluGradKernel: KernelFunc = ({ inputs, backend: b }) => {
  const backend = b as BackendWasm;
  const dyInfo = inputs['dy'] as TensorInfo;
  const xInfo = inputs['x'] as TensorInfo;
  if (dyInfo.dtype !== 'float32' || xInfo.dtype !== 'float32') {
    throw new TypeError(`ReluGrad expects float32 dy and x, got ${dyInfo.dtype} and ${xInfo.dtype}`);
  }
  const out = backend.makeOutput(xInfo.shape, 'float32');
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < dx.length; i++) {
    const v = x[i]!;
    dx[i] = dy[i]! * (v > 0 ? 1 : Number.isNaN(v) ? Number.NaN : 0);
  }
  return out;
};

/**
 * Replaces the gradient of `Relu` with one that runs {@link ReluGrad} where
 * the active backend has that kernel (and float32 tensors), and tfjs-core's
 * composite gradient elsewhere: same values, one kernel instead of three.
 *
 * Gradients are global in tfjs (not per backend). Register tfjs-core's
 * gradients first (`@tensorflow/tfjs` does it, or import
 * `@tensorflow/tfjs-core/dist/register_all_gradients`).
 *
 * @returns a function that restores the gradient registered before the call.
 */
export function registerReluGradient(): () => void {
  return replaceGradient(Relu, (stock) => ({
    kernelName: Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [Tensor];
      if (getKernel(ReluGrad, getBackend()) == null || x.dtype !== 'float32' || (dy as Tensor).dtype !== 'float32') {
        return stock.gradFunc(dy, saved, attrs);
      }
      return { x: () => engine().runKernel(ReluGrad, { dy: dy as Tensor, x }) as Tensor };
    },
  }));
}
