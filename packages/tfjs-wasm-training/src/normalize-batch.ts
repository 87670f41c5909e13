import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './native-util.js';

/**
 * Name of a kernel that normalises a channels-last tensor with its own batch
 * statistics, as batch norm does in training: inputs `{ x }`, attribute
 * `{ epsilon }`, outputs `[y, mean, variance]` where
 * `y = (x - mean) / sqrt(variance + epsilon)` and `mean`, `variance` (biased)
 * are per channel (the last axis) over every other axis.
 *
 * {@link registerWasmTrainingKernels} registers it for wasm; it is not a
 * tfjs-core op: call it with `engine().runKernel` where
 * `getKernel(NormalizeBatch, getBackend())` is defined, and fall back to
 * composite ops elsewhere.
 */
export const NormalizeBatch = 'NormalizeBatch';

/**
 * Name of the gradient kernel of {@link NormalizeBatch}: inputs
 * `{ dy, y, variance }` (the forward outputs), attribute `{ epsilon }`, output
 * `dx = (dy - mean(dy) - y * mean(dy * y)) / sqrt(variance + epsilon)`, the
 * means per channel.
 */
export const NormalizeBatchGrad = 'NormalizeBatchGrad';

/** Rows per block of the channel sums: a block of a few tens of KB stays in the cache while each channel is read. */
const BLOCK_ROWS = 1024;

/**
 * Per channel (last axis, `channels` wide) sums of `a - shift` and of its
 * square (`b` absent), or of `a` and of `a * b`, in float64. Each channel is
 * summed in local variables over a block of rows: several times faster in
 * V8 than accumulating into arrays indexed by channel.
 */
function channelSums(a: Float32Array, b: Float32Array | undefined, shift: Float64Array | undefined, channels: number): [Float64Array, Float64Array] {
  const first = new Float64Array(channels);
  const second = new Float64Array(channels);
  const size = a.length;
  const block = BLOCK_ROWS * channels;
  for (let start = 0; start < size; start += block) {
    const end = Math.min(size, start + block);
    for (let c = 0; c < channels; c++) {
      let s = 0;
      let q = 0;
      if (b === undefined) {
        const k = shift === undefined ? 0 : shift[c]!;
        for (let i = start + c; i < end; i += channels) {
          const v = a[i]! - k;
          s += v;
          q += v * v;
        }
      } else {
        for (let i = start + c; i < end; i += channels) {
          const v = a[i]!;
          s += v;
          q += v * b[i]!;
        }
      }
      first[c]! += s;
      second[c]! += q;
    }
  }
  return [first, second];
}

/**
 * {@link NormalizeBatch} on the wasm heap: one pass for the statistics (in
 * float64, shifted by the first row so that a large mean does not cancel),
 * one pass for the output.
 */
export const normalizeBatchKernel: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const x = inputs['x'] as TensorInfo;
  const epsilon = (attrs as { epsilon: number }).epsilon;
  const channels = x.shape[x.shape.length - 1]!;
  const size = util.sizeFromShape(x.shape);
  const count = size / channels;
  const y = backend.makeOutput(x.shape, 'float32');
  const meanOut = backend.makeOutput([channels], 'float32');
  const varianceOut = backend.makeOutput([channels], 'float32');
  // Views are taken after the allocations: growing the heap detaches older ones.
  const src = heapView(backend, x, 'x');
  const dst = heapView(backend, y, 'y');
  const shift = Float64Array.from(src.subarray(0, channels));
  const [sum, squares] = channelSums(src, undefined, shift, channels);
  const mean = new Float64Array(channels);
  const invStd = new Float64Array(channels);
  const meanView = heapView(backend, meanOut, 'mean');
  const varianceView = heapView(backend, varianceOut, 'variance');
  for (let c = 0; c < channels; c++) {
    const m = sum[c]! / count;
    const variance = Math.max(0, squares[c]! / count - m * m);
    mean[c] = shift[c]! + m;
    invStd[c] = 1 / Math.sqrt(variance + epsilon);
    meanView[c] = mean[c]!;
    varianceView[c] = variance;
  }
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) dst[i + c] = (src[i + c]! - mean[c]!) * invStd[c]!;
  }
  return [y, meanOut, varianceOut];
};

/** {@link NormalizeBatchGrad} on the wasm heap: one pass for the two channel sums, one for `dx`. */
export const normalizeBatchGradKernel: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as BackendWasm;
  const dyInfo = inputs['dy'] as TensorInfo;
  const yInfo = inputs['y'] as TensorInfo;
  const varianceInfo = inputs['variance'] as TensorInfo;
  const epsilon = (attrs as { epsilon: number }).epsilon;
  const channels = yInfo.shape[yInfo.shape.length - 1]!;
  const size = util.sizeFromShape(yInfo.shape);
  const count = size / channels;
  const out = backend.makeOutput(yInfo.shape, 'float32');
  const dy = heapView(backend, dyInfo, 'dy');
  const y = heapView(backend, yInfo, 'y');
  const variance = heapView(backend, varianceInfo, 'variance');
  const dx = heapView(backend, out, 'dx');
  const [sumDy, sumDyY] = channelSums(dy, y, undefined, channels);
  const meanDy = new Float64Array(channels);
  const meanDyY = new Float64Array(channels);
  const invStd = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    meanDy[c] = sumDy[c]! / count;
    meanDyY[c] = sumDyY[c]! / count;
    invStd[c] = 1 / Math.sqrt(variance[c]! + epsilon);
  }
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) {
      dx[i + c] = (dy[i + c]! - meanDy[c]! - y[i + c]! * meanDyY[c]!) * invStd[c]!;
    }
  }
  return out;
};
