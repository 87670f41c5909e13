import {
  add,
  conv2d,
  matMul,
  maxPool,
  depthwiseConv2d,
  pad,
  reshape,
  reverse,
  slice,
  sum,
  transpose,
  type backend_util,
  type Tensor4D,
} from '@tensorflow/tfjs-core';

/** Padding of the two spatial axes as `[top, bottom, left, right]`; negative values crop. */
type SignedPadding = [number, number, number, number];

/**
 * A forward convolution with explicit padding that may be negative on any side
 * (negative means the input is cropped there). Explicit padding also keeps the
 * call away from the wasm backend's broken `'same'` path (tfjs#5907).
 */
function convolve(x: Tensor4D, filter: Tensor4D, strides: [number, number], padding: SignedPadding, dilations: [number, number], depthwise: boolean): Tensor4D {
  const [top, bottom, left, right] = padding;
  let input = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const height = x.shape[1] - cropTop - Math.max(0, -bottom);
    const width = x.shape[2] - cropLeft - Math.max(0, -right);
    input = slice(x, [0, cropTop, cropLeft, 0], [-1, height, width, -1]);
  }
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return depthwise ? depthwiseConv2d(input, filter, strides, explicit, 'NHWC', dilations) : conv2d(input, filter, strides, explicit, 'NHWC', dilations);
}

/**
 * `[n, h, w, c]` to `[c, h, w, n]`. The wasm backend's 4-D transpose is slow
 * for this permutation; a 2-D transpose followed by a transpose that moves
 * whole rows of `n` values is about twice as fast.
 */
function swapBatchAndChannels(x: Tensor4D): Tensor4D {
  const [n, h, w, c] = x.shape;
  const columns = transpose(reshape(x, [n, h * w * c]));
  return reshape(transpose(reshape(columns, [h * w, c, n]), [1, 0, 2]), [c, h, w, n]);
}

/** Puts `stride - 1` zeros after every row and column of `dy`; returns it with its new height and width. */
function insertZeros(dy: Tensor4D, strideHeight: number, strideWidth: number): Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, height, width, channels] = dy.shape;
  const spread = reshape(dy, [batch, height, 1, width, 1, channels]);
  const padded = pad(spread, [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  return reshape(padded, [batch, height * strideHeight, width * strideWidth, channels]);
}

/**
 * Gradient of a 2-D convolution (regular or depthwise) with respect to its
 * input, computed as a forward convolution of the zero-inserted `dy` with the
 * spatially flipped filter (input and output channels swapped).
 *
 * `info` is the forward convolution's `Conv2DInfo` (channels-last). Runs on any
 * backend; handles every stride, dilation and padding the forward op accepts.
 */
export function convInputGradient(dy: Tensor4D, filter: Tensor4D, info: backend_util.Conv2DInfo, depthwise: boolean): Tensor4D {
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { filterHeight, filterWidth, inHeight, inWidth, batchSize, inChannels } = info;
  const spread = insertZeros(dy, strideHeight, strideWidth);
  const top = (filterHeight - 1) * dilationHeight - info.padInfo.top;
  const left = (filterWidth - 1) * dilationWidth - info.padInfo.left;
  const padding: SignedPadding = [
    top,
    inHeight + (filterHeight - 1) * dilationHeight - spread.shape[1] - top,
    left,
    inWidth + (filterWidth - 1) * dilationWidth - spread.shape[2] - left,
  ];
  const flipped = reverse(filter, [0, 1]);
  if (!depthwise) {
    const swapped = transpose(flipped, [0, 1, 3, 2]);
    return convolve(spread, swapped, [1, 1], padding, [dilationHeight, dilationWidth], false);
  }
  const multiplier = filter.shape[3];
  const perChannel = reshape(flipped, [filterHeight, filterWidth, inChannels * multiplier, 1]) as Tensor4D;
  const dx = convolve(spread, perChannel, [1, 1], padding, [dilationHeight, dilationWidth], true);
  if (multiplier === 1) return dx;
  return sum(reshape(dx, [batchSize, inHeight, inWidth, inChannels, multiplier]), 4) as Tensor4D;
}

/**
 * Gradient of a 2-D convolution (regular or depthwise) with respect to its
 * filter, computed as one forward convolution: batch and channel axes of `x`
 * swapped, `dy` used as the filter, the forward stride as dilation and the
 * forward dilation as stride.
 *
 * `info` is the forward convolution's `Conv2DInfo` (channels-last). Runs on any
 * backend.
 */
export function convFilterGradient(x: Tensor4D, dy: Tensor4D, info: backend_util.Conv2DInfo, depthwise: boolean): Tensor4D {
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = info;
  const { batchSize, inChannels, outChannels } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const padding: SignedPadding = [
    top,
    (filterHeight - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1 - inHeight - top,
    left,
    (filterWidth - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1 - inWidth - left,
  ];
  const strides: [number, number] = [dilationHeight, dilationWidth];
  const dilations: [number, number] = [strideHeight, strideWidth];
  if (!depthwise && filterHeight === 1 && filterWidth === 1 && padding.every((p) => p === 0)) {
    // A pointwise filter gradient is one matrix product, several times faster than the
    // convolution below (whose "filter", dy, spans the whole image).
    // A 1x1 max pool with the conv's stride picks the same pixels as a strided
    // slice, exactly, and on wasm runs a hundred times faster (XNNPACK pooling
    // against the backend's generic strided slice).
    const sampled = strideHeight === 1 && strideWidth === 1 ? x : maxPool(x, 1, [strideHeight, strideWidth], 'valid');
    const pixels = batchSize * outHeight * outWidth;
    const xT = transpose(reshape(sampled, [pixels, inChannels]));
    // The wasm BatchMatMul caches its XNNPACK operator by the id of its second operand,
    // whatever the shape: a reshaped view of `dy` could hit an operator built for another
    // view of the same data (wrong results, heap corruption). `add` makes a fresh tensor.
    const dyRows = add(reshape(dy, [pixels, outChannels]), 0);
    return reshape(matMul(xT, dyRows), [1, 1, inChannels, outChannels]);
  }
  if (!depthwise) {
    const channelsAsBatch = swapBatchAndChannels(x);
    const dyAsFilter = transpose(dy, [1, 2, 0, 3]);
    const dw = convolve(channelsAsBatch, dyAsFilter, strides, padding, dilations, false);
    return transpose(dw, [1, 2, 0, 3]);
  }
  const multiplier = outChannels / inChannels;
  const batchAsChannels = reshape(transpose(x, [1, 2, 0, 3]), [1, inHeight, inWidth, batchSize * inChannels]) as Tensor4D;
  const dyPerChannel = reshape(dy, [batchSize, outHeight, outWidth, inChannels, multiplier]);
  const dyAsFilter = reshape(transpose(dyPerChannel, [1, 2, 0, 3, 4]), [outHeight, outWidth, batchSize * inChannels, multiplier]) as Tensor4D;
  const dw = convolve(batchAsChannels, dyAsFilter, strides, padding, dilations, true);
  const perImage = reshape(dw, [filterHeight, filterWidth, batchSize, inChannels, multiplier]);
  return sum(perImage, 2) as Tensor4D;
}
