import {
  avgPool,
  backend_util,
  pad as padOp,
  tidy,
  type Tensor4D,
  type AvgPoolGradAttrs,
  type MaxPoolGradAttrs,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface PoolGradArgs {
  inputs: { dy: TensorInfo; input: TensorInfo; output?: TensorInfo };
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs | AvgPoolGradAttrs;
}

/** Allocates a zeroed float32 output; the wasm heap is not cleared on allocation. */
function zeroedOutput(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}

/**
 * `MaxPoolGrad` for the wasm backend: routes each `dy` value to the first
 * maximum of its window (row-major scan, strict `>`), the same tie rule as the
 * cpu backend. One pass over the windows, no intermediate tensors.
 */
export function maxPoolGrad({ inputs, backend, attrs }: PoolGradArgs): TensorInfo {
  const { dy, input, output } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as MaxPoolGradAttrs & NamedAttrMap;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const out = zeroedOutput(backend, input.shape);
  // Views are taken after the allocation: growing the heap detaches older ones.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const rowStride = inWidth * channels;
  // The forward output holds each window's maximum: the first pixel of the
  // window equal to it (row-major scan) is the one the cpu backend picks.
  const y = output === undefined ? undefined : (backend.typedArrayFromHeap(output) as Float32Array);
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * strideWidth - info.padInfo.left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + filterWidth);
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        const windowStart = image + rowFrom * rowStride + colFrom * channels;
        for (let ch = 0; ch < channels; ch++) {
          let at = -1;
          if (y !== undefined && !Number.isNaN(y[dyBase + ch]!)) {
            const target = y[dyBase + ch]!;
            search: for (let r = rowFrom, rowAt = windowStart + ch; r < rowTo; r++, rowAt += rowStride) {
              for (let c = colFrom, i = rowAt; c < colTo; c++, i += channels) {
                if (x[i] === target) {
                  at = i;
                  break search;
                }
              }
            }
          } else {
            let best = Number.NEGATIVE_INFINITY;
            for (let r = rowFrom, rowAt = windowStart + ch; r < rowTo; r++, rowAt += rowStride) {
              for (let c = colFrom, i = rowAt; c < colTo; c++, i += channels) {
                const v = x[i]!;
                if (v > best) {
                  best = v;
                  at = i;
                }
              }
            }
          }
          if (at >= 0) dx[at]! += g[dyBase + ch]!;
        }
      }
    }
  }
  return out;
}

/**
 * `AvgPoolGrad` for the wasm backend: spreads each `dy` value over its window
 * with weight `1 / (filterHeight * filterWidth)`, the cpu backend's rule (also
 * at borders with `'same'` padding, where the forward op divides by fewer).
 */
export function avgPoolGrad({ inputs, backend, attrs }: PoolGradArgs): TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad } = attrs as AvgPoolGradAttrs & NamedAttrMap;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad);
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    // With stride 1 every input pixel gets 1/(kh*kw) of each dy in the window
    // around it: an average pool of the zero-padded dy, one XNNPACK pass instead
    // of kh*kw scalar passes.
    const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = info;
    const top = filterHeight - 1 - info.padInfo.top;
    const left = filterWidth - 1 - info.padInfo.left;
    const padding: [number, number][] = [
      [0, 0],
      [top, inHeight + filterHeight - 1 - outHeight - top],
      [left, inWidth + filterWidth - 1 - outWidth - left],
      [0, 0],
    ];
    return tidy(() => avgPool(padOp(dy as Tensor4D, padding), [filterHeight, filterWidth], 1, 'valid'));
  }
  const out = zeroedOutput(backend, input.shape);
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const weight = 1 / (filterHeight * filterWidth);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * strideWidth - info.padInfo.left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + filterWidth);
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let r = rowFrom; r < rowTo; r++) {
          for (let c = colFrom; c < colTo; c++) {
            const base = ((b * inHeight + r) * inWidth + c) * channels;
            for (let ch = 0; ch < channels; ch++) dx[base + ch]! += g[dyBase + ch]! * weight;
          }
        }
      }
    }
  }
  return out;
}
