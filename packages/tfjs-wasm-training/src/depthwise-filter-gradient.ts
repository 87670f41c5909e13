import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * `DepthwiseConv2dNativeBackpropFilter` on the wasm heap, channels-last:
 * `dw[kh, kw, c, m] = sum over b, oh, ow of x[b, oh*sh + kh*dh - top, ow*sw + kw*dw - left, c] * dy[b, oh, ow, c*M + m]`.
 *
 * As one XNNPACK depthwise convolution (batch folded into channels, `dy` as
 * a filter as large as the image) this ran several times slower: XNNPACK
 * repacks that huge filter on every call and its depthwise kernels are built
 * for small filters. Here each filter tap is a dot product along an image
 * row, summed in a float64 local.
 */
export function depthwiseFilterGradient(backend: BackendWasm, xInfo: TensorInfo, dyInfo: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const multiplier = outChannels / inChannels;
  const out = backend.makeOutput([filterHeight, filterWidth, inChannels, multiplier], 'float32');
  // Views are taken after the allocation: growing the heap detaches older ones.
  const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  const acc = new Float64Array(filterHeight * filterWidth * outChannels);
  const xRow = inWidth * inChannels;
  const xColStep = strideWidth * inChannels;
  const dyRow = outWidth * outChannels;
  // For each filter column, the output columns whose input column lies inside the image.
  const owFrom = new Int32Array(filterWidth);
  const owTo = new Int32Array(filterWidth);
  for (let kw = 0; kw < filterWidth; kw++) {
    const offset = kw * dilationWidth - left;
    owFrom[kw] = Math.max(0, Math.ceil(-offset / strideWidth));
    owTo[kw] = Math.min(outWidth, Math.floor((inWidth - 1 - offset) / strideWidth) + 1);
  }
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const dyBase = (b * outHeight + oh) * dyRow;
      for (let kh = 0; kh < filterHeight; kh++) {
        const r = oh * strideHeight + kh * dilationHeight - top;
        if (r < 0 || r >= inHeight) continue;
        const xBase = (b * inHeight + r) * xRow;
        for (let kw = 0; kw < filterWidth; kw++) {
          const from = owFrom[kw]!;
          const to = owTo[kw]!;
          if (from >= to) continue;
          const tap = (kh * filterWidth + kw) * outChannels;
          const xStart = xBase + (from * strideWidth + kw * dilationWidth - left) * inChannels;
          const dyStart = dyBase + from * outChannels;
          const end = dyBase + to * outChannels;
          let c = 0;
          if (multiplier === 1) {
            // Four channels at a time: four independent sums per pass along the row.
            for (; c + 4 <= inChannels; c += 4) {
              let s0 = 0;
              let s1 = 0;
              let s2 = 0;
              let s3 = 0;
              let xi = xStart + c;
              for (let di = dyStart + c; di < end; di += outChannels, xi += xColStep) {
                s0 += x[xi]! * dy[di]!;
                s1 += x[xi + 1]! * dy[di + 1]!;
                s2 += x[xi + 2]! * dy[di + 2]!;
                s3 += x[xi + 3]! * dy[di + 3]!;
              }
              acc[tap + c]! += s0;
              acc[tap + c + 1]! += s1;
              acc[tap + c + 2]! += s2;
              acc[tap + c + 3]! += s3;
            }
          }
          for (; c < inChannels; c++) {
            for (let m = 0; m < multiplier; m++) {
              const o = c * multiplier + m;
              let s = 0;
              let xi = xStart + c;
              for (let di = dyStart + o; di < end; di += outChannels, xi += xColStep) {
                s += x[xi]! * dy[di]!;
              }
              acc[tap + o]! += s;
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}
