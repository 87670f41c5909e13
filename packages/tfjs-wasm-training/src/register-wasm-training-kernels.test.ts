import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, gradientsOf, runOn, values } from '../test/compare.js';
import { spreadFilter } from '../test/reference.js';
import { MomentumSgdUpdate, type MomentumSgdUpdateAttrs } from './momentum-sgd.js';
import { NormalizeBatch, NormalizeBatchGrad } from './normalize-batch.js';
import { loadNativeKernels } from './native-kernels.js';
import { setupWasmTraining, type WasmTrainingSetup } from './setup-wasm-training.js';

type Pad = 'same' | 'valid';
type Pair = [number, number];

interface ConvCase {
  x: number[];
  filter: number[];
  stride: number | Pair;
  pad: Pad;
  dilation?: number | Pair;
}

const nativeAvailable = (await loadNativeKernels()).addon !== undefined;
/** Every case runs with the native kernels (where they load) and with the wasm kernels alone. */
const MODES = nativeAvailable ? ['native kernels', 'wasm kernels only'] : ['wasm kernels only'];

/** Compares the output and the input gradients of `onWasm` on wasm with those of `reference` on cpu. */
async function compare(
  label: string,
  inputs: { shape: number[]; seed: number }[],
  onWasm: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor = onWasm,
): Promise<void> {
  const actual = await runOn('wasm', () => gradientsOf(onWasm, inputs));
  const expected = await runOn('cpu', () => gradientsOf(reference, inputs));
  const names = ['output', ...inputs.map((_, i) => `gradient ${i}`)];
  actual.forEach((a, i) => expectClose(a, expected[i]!, `${label}: ${names[i]}`));
}

const label = (c: ConvCase) => `x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.stride}, ${c.pad}, dilation ${c.dilation ?? 1}`;

const conv2dCases: ConvCase[] = [
  { x: [2, 7, 6, 3], filter: [1, 1, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 7, 7, 3], filter: [1, 1, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [2, 9, 8, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'same' },
  { x: [2, 9, 8, 2], filter: [5, 5, 2, 3], stride: 2, pad: 'valid' },
  { x: [1, 11, 9, 2], filter: [7, 7, 2, 3], stride: 2, pad: 'same' },
  { x: [1, 11, 9, 2], filter: [7, 7, 2, 3], stride: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 2], stride: 4, pad: 'same' },
  // Shapes where the stock wasm forward kernel returns zeros (tfjs#5907).
  { x: [2, 9, 9, 2], filter: [2, 2, 2, 3], stride: 5, pad: 'same' },
  { x: [2, 10, 7, 2], filter: [2, 1, 2, 3], stride: [5, 2], pad: 'same' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same', dilation: 2 },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid', dilation: 2 },
  { x: [1, 13, 11, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'same', dilation: 2 },
  // Several row blocks, column panels cut at 37, channel groups cut at 20 (the native tiles).
  { x: [2, 13, 11, 20], filter: [3, 3, 20, 37], stride: 1, pad: 'same' },
  { x: [2, 12, 13, 9], filter: [5, 5, 9, 18], stride: 2, pad: 'same' },
  { x: [1, 9, 9, 17], filter: [3, 3, 17, 16], stride: 1, pad: 'valid', dilation: 2 },
  { x: [2, 10, 9, 33], filter: [1, 1, 33, 40], stride: 2, pad: 'valid' },
  // Dilated along the height only: each filter row reads consecutive pixels (one pointer per row).
  { x: [2, 11, 7, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same', dilation: [2, 1] },
  { x: [2, 11, 8, 2], filter: [3, 5, 2, 4], stride: 1, pad: 'valid', dilation: [2, 1] },
];

describe.each(MODES)('%s', (mode) => {
  let setup: WasmTrainingSetup | undefined;
  beforeAll(async () => {
    setup = await setupWasmTraining({ threads: 1, native: mode === 'native kernels' });
    expect(setup.native.used).toBe(mode === 'native kernels');
  });
  afterAll(() => setup?.unregister());

  describe('conv2d on wasm matches the cpu backend', () => {
    it.each(conv2dCases)('$x.0 images, $filter: %s', async (c) => {
      const d = c.dilation ?? 1;
      await compare(
        label(c),
        [
          { shape: c.x, seed: 1 },
          { shape: c.filter, seed: 2 },
        ],
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', d),
        (x, w) => tf.conv2d(x as tf.Tensor4D, spreadFilter(w as tf.Tensor4D, d), c.stride, c.pad),
      );
    });
  });

  const depthwiseCases: ConvCase[] = [
    { x: [2, 7, 6, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same' },
    { x: [2, 7, 6, 3], filter: [3, 3, 3, 2], stride: 2, pad: 'same' },
    { x: [2, 9, 8, 2], filter: [5, 5, 2, 1], stride: 2, pad: 'valid' },
    { x: [1, 11, 9, 2], filter: [7, 7, 2, 2], stride: 1, pad: 'same' },
    { x: [2, 7, 7, 3], filter: [1, 1, 3, 2], stride: 2, pad: 'valid' },
    { x: [2, 9, 9, 2], filter: [2, 2, 2, 1], stride: 5, pad: 'same' },
    { x: [2, 9, 8, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same', dilation: 2 },
    { x: [2, 11, 10, 2], filter: [5, 5, 2, 2], stride: 1, pad: 'valid', dilation: 2 },
    // Four channels at a time in the filter gradient, and the channels left over.
    { x: [2, 7, 6, 6], filter: [3, 3, 6, 1], stride: 1, pad: 'same' },
    { x: [2, 9, 8, 5], filter: [5, 5, 5, 1], stride: 2, pad: 'valid' },
    { x: [2, 8, 8, 8], filter: [3, 3, 8, 1], stride: 2, pad: 'same' },
    // A group of 32 channels and a tail of 8; a tail of 5; multiplier 2 with 12 channels.
    { x: [2, 9, 8, 40], filter: [3, 3, 40, 1], stride: 1, pad: 'same' },
    { x: [2, 9, 9, 13], filter: [5, 5, 13, 1], stride: 2, pad: 'same' },
    { x: [2, 7, 7, 12], filter: [3, 3, 12, 2], stride: 1, pad: 'valid' },
    // Three vectors of channels (two pixels at a time), dilated; a row width of 5.
    { x: [2, 9, 5, 20], filter: [3, 3, 20, 1], stride: 1, pad: 'same', dilation: 2 },
  ];

  describe('depthwiseConv2d on wasm matches the cpu backend', () => {
    it.each(depthwiseCases)('$x.0 images, $filter: %s', async (c) => {
      const d = c.dilation ?? 1;
      await compare(
        label(c),
        [
          { shape: c.x, seed: 3 },
          { shape: c.filter, seed: 4 },
        ],
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad, 'NHWC', d),
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, spreadFilter(w as tf.Tensor4D, d), c.stride, c.pad),
      );
    });
  });

  describe('separableConv2d on wasm matches the cpu backend', () => {
    it.each([
      { x: [2, 8, 7, 3], k: 3, multiplier: 1, stride: 1, pad: 'same' as Pad, dilation: 1 },
      { x: [2, 9, 9, 2], k: 5, multiplier: 2, stride: 2, pad: 'same' as Pad, dilation: 1 },
      { x: [2, 9, 8, 3], k: 3, multiplier: 1, stride: 1, pad: 'valid' as Pad, dilation: 2 },
    ])('kernel $k, multiplier $multiplier, stride $stride, $pad, dilation $dilation', async (c) => {
      const channels = c.x[3]!;
      await compare(
        JSON.stringify(c),
        [
          { shape: c.x, seed: 5 },
          { shape: [c.k, c.k, channels, c.multiplier], seed: 6 },
          { shape: [1, 1, channels * c.multiplier, 4], seed: 7 },
        ],
        (x, dw, pw) => tf.separableConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, c.stride, c.pad, c.dilation),
        (x, dw, pw) =>
          tf.conv2d(tf.depthwiseConv2d(x as tf.Tensor4D, spreadFilter(dw as tf.Tensor4D, c.dilation), c.stride, c.pad), pw as tf.Tensor4D, 1, 'valid'),
      );
    });
  });

  describe('conv2dTranspose on wasm matches the cpu backend', () => {
    it.each([
      { x: [2, 4, 4, 3], k: 3, outC: 2, stride: 2, pad: 'same' as Pad, out: [8, 8] },
      { x: [2, 4, 3, 3], k: 4, outC: 2, stride: 2, pad: 'valid' as Pad, out: [10, 8] },
      { x: [2, 5, 5, 2], k: 5, outC: 3, stride: 1, pad: 'same' as Pad, out: [5, 5] },
      { x: [1, 3, 3, 2], k: 3, outC: 2, stride: 3, pad: 'valid' as Pad, out: [9, 9] },
    ])('kernel $k, stride $stride, $pad', async (c) => {
      const outShape: [number, number, number, number] = [c.x[0]!, c.out[0]!, c.out[1]!, c.outC];
      await compare(
        JSON.stringify(c),
        [
          { shape: c.x, seed: 8 },
          { shape: [c.k, c.k, c.outC, c.x[3]!], seed: 9 },
        ],
        (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, outShape, c.stride, c.pad),
      );
    });
  });

  describe('pooling gradients on wasm match the cpu backend', () => {
    const pools = [
      { x: [2, 6, 6, 3], size: 2, stride: 2, pad: 'valid' as Pad },
      { x: [2, 7, 7, 3], size: 3, stride: 2, pad: 'same' as Pad },
      { x: [2, 7, 6, 3], size: 3, stride: 1, pad: 'same' as Pad },
      { x: [1, 9, 7, 2], size: 2, stride: 3, pad: 'valid' as Pad },
      { x: [2, 7, 8, 3], size: 3, stride: 1, pad: 'valid' as Pad },
      { x: [2, 6, 5, 2], size: 2, stride: 1, pad: 'same' as Pad },
      // Eight channels at a time in the native max-pool gradient, and the rest.
      { x: [2, 7, 7, 11], size: 3, stride: 1, pad: 'same' as Pad },
      { x: [2, 8, 8, 16], size: 2, stride: 2, pad: 'valid' as Pad },
    ];
    it.each(pools)('maxPool $size/$stride $pad on $x', async (c) => {
      await compare(JSON.stringify(c), [{ shape: c.x, seed: 10 }], (x) => tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad));
    });
    it.each(pools)('avgPool $size/$stride $pad on $x', async (c) => {
      await compare(JSON.stringify(c), [{ shape: c.x, seed: 11 }], (x) => tf.avgPool(x as tf.Tensor4D, c.size, c.stride, c.pad));
    });
    it.each([
      { size: 2, stride: 2, pad: 'valid' as Pad, out: 3, channels: 3 },
      { size: 3, stride: 1, pad: 'same' as Pad, out: 6, channels: 3 },
      { size: 3, stride: 1, pad: 'same' as Pad, out: 6, channels: 11 },
    ])('routes the gradient of a tied window to its first maximum, as cpu does ($size/$stride $pad, $channels channels)', async (c) => {
      // After relu, whole windows are often zero: the tie rule decides where the gradient goes.
      const shape = [2, 6, 6, c.channels];
      const poolGrad = (backend: string) =>
        runOn(backend, () => {
          const input = tf.relu(tf.round(tf.mul(tf.tensor(values(shape, 12), shape), 2))) as tf.Tensor4D;
          const dyShape = [2, c.out, c.out, c.channels];
          const dy = tf.tensor(values(dyShape, 13), dyShape);
          const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), dy)));
          return [input, grad(input)];
        });
      const [input, onWasm] = await poolGrad('wasm');
      const [, onCpu] = await poolGrad('cpu');
      const zeros = Array.from(input!).filter((v) => v === 0).length;
      expect(zeros).toBeGreaterThan(shape.reduce((a, b) => a * b) / 4);
      // Same pixels get gradient; overlapping windows may add their shares in another order.
      expect(Array.from(onWasm!).map((v) => v !== 0)).toEqual(Array.from(onCpu!).map((v) => v !== 0));
      expectClose(onWasm!, onCpu!, 'tied maxPool gradient', 1e-6);
    });
  });

  it('Cast to the same dtype shares the memory (no copy), keeps the values after the input is disposed, and leaks nothing; other casts still convert', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor(values([3, 5, 7], 64), [3, 5, 7]);
    const expected = await x.data();
    const same = tf.cast(x, 'float32');
    expect(same.dataId, 'the same data: shared, not copied').toBe(x.dataId);
    x.dispose();
    expect(same.dtype).toBe('float32');
    expect(Array.from(await same.data())).toEqual(Array.from(expected));
    same.dispose();
    const pooled = tf.tidy(() => tf.avgPool(tf.reshape(tf.tensor(expected, [3, 5, 7]), [1, 3, 5, 7]) as tf.Tensor4D, 2, 1, 'same'));
    pooled.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const casts = () => [
      tf.cast(tf.tensor([1.7, -2.2, 3]), 'int32'),
      // The stock wasm kernel stored the low bytes (2, 255); the cpu backend's rule: 1 for anything but 0.
      tf.cast(tf.tensor([0, 2, -1, 256], undefined, 'int32'), 'bool'),
      tf.cast(tf.tensor([0, -0, 0.5, Number.NaN, -3]), 'bool'),
    ];
    const onWasm = await runOn('wasm', casts);
    const onCpu = await runOn('cpu', casts);
    expect(onWasm.map((a) => Array.from(a))).toEqual([
      [1, -2, 3],
      [0, 1, 1, 1],
      [0, 0, 1, 1, 1],
    ]);
    expect(onWasm.map((a) => Array.from(a))).toEqual(onCpu.map((a) => Array.from(a)));
  });

  describe('Sum, Mean and Identity on wasm match the cpu backend', () => {
    it.each([
      { shape: [4, 5, 6, 3], axis: [0, 1, 2], keepDims: false },
      { shape: [4, 5, 6, 3], axis: [1, 2], keepDims: true },
      { shape: [3, 2, 5, 4, 2], axis: [2], keepDims: false },
      { shape: [4, 5, 6, 3], axis: [0, 3], keepDims: false },
      { shape: [7, 9], axis: [-1], keepDims: false },
      { shape: [8, 16, 16, 3], axis: [0, 1, 2], keepDims: false },
      { shape: [8, 16, 16, 3], axis: [0, 1], keepDims: true },
      { shape: [1000], axis: [0], keepDims: false },
    ])('sum and mean over $axis of $shape', async ({ shape, axis, keepDims }) => {
      const run = () => {
        const x = tf.tensor(values(shape, 31), shape);
        const s = tf.sum(x, axis, keepDims);
        const copy = tf.clone(s);
        s.dispose();
        return [copy, tf.mean(x, axis, keepDims)];
      };
      const [a, meanA] = await runOn('wasm', run);
      const [b, meanB] = await runOn('cpu', run);
      expectClose(a!, b!, `sum over ${axis}`);
      expectClose(meanA!, meanB!, `mean over ${axis}`);
      const shapeOn = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => [tf.sum(tf.ones(shape), axis, keepDims).shape, tf.mean(tf.ones(shape), axis, keepDims).shape]);
      };
      expect(await shapeOn('wasm')).toEqual(await shapeOn('cpu'));
    });
  });

  describe("fused convolutions with 'same' padding and a stride larger than the kernel", () => {
    it.each([
      { depthwise: false, x: [2, 9, 9, 2], filter: [2, 2, 2, 3], stride: 5 },
      { depthwise: false, x: [2, 10, 7, 2], filter: [2, 1, 2, 3], stride: [5, 2] as Pair },
      { depthwise: true, x: [2, 9, 9, 2], filter: [2, 2, 2, 1], stride: 5 },
    ])('match the cpu backend (depthwise: $depthwise, stride $stride)', async (c) => {
      const run = () => {
        const x = tf.tensor4d(values(c.x, 41), c.x as [number, number, number, number]);
        const filter = tf.tensor4d(values(c.filter, 42), c.filter as [number, number, number, number]);
        const channels = c.depthwise ? c.x[3]! * c.filter[3]! : c.filter[3]!;
        const bias = tf.tensor1d(values([channels], 43));
        const args = { x, filter, strides: c.stride, pad: 'same' as const, bias, activation: 'relu' as const };
        return [c.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args)];
      };
      const [onWasm] = await runOn('wasm', run);
      const [onCpu] = await runOn('cpu', run);
      expectClose(onWasm!, onCpu!, JSON.stringify(c));
    });
  });

  describe('fused conv2d with a bias and an activation matches the cpu backend', () => {
    it.each(['linear', 'relu', 'relu6', 'leakyrelu', 'elu', 'prelu'] as const)('%s', async (activation) => {
      const run = () => {
        const x = tf.mul(tf.tensor4d(values([2, 7, 6, 5], 44), [2, 7, 6, 5]), 4) as tf.Tensor4D;
        const filter = tf.tensor4d(values([3, 3, 5, 19], 45), [3, 3, 5, 19]);
        const bias = tf.tensor1d(values([19], 46));
        const preluActivationWeights = activation === 'prelu' ? tf.tensor1d(values([19], 47)) : undefined;
        const args = { x, filter, strides: 1, pad: 'same' as const, bias, activation, preluActivationWeights, leakyreluAlpha: 0.3 };
        return [tf.fused.conv2d(args)];
      };
      const [onWasm] = await runOn('wasm', run);
      const [onCpu] = await runOn('cpu', run);
      expectClose(onWasm!, onCpu!, activation);
    });
  });

  describe('data movement kernels match the cpu backend', () => {
    const shape = [3, 5, 4, 6];
    const cases: { name: string; run: (x: tf.Tensor) => tf.Tensor[] }[] = [
      { name: 'slice inside', run: (x) => [tf.slice(x, [1, 1, 0, 2], [2, 3, 4, 3])] },
      { name: 'slice of whole rows', run: (x) => [tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1])] },
      { name: 'slice to nothing', run: (x) => [tf.slice(x, [0, 0, 0, 0], [3, 0, 4, 6])] },
      { name: 'split along channels', run: (x) => tf.split(x, [1, 3, 2], 3) },
      { name: 'split along rows', run: (x) => tf.split(x, 5, 1) },
      { name: 'concat along channels', run: (x) => [tf.concat([x, tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 2]), x], 3)] },
      { name: 'concat along the batch', run: (x) => [tf.concat([x, tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1])], 0)] },
      { name: 'concat with an empty tensor', run: (x) => [tf.concat([tf.slice(x, [0, 0, 0, 0], [3, 5, 4, 0]), x], 3)] },
      {
        name: 'pad',
        run: (x) => [
          tf.pad(
            x,
            [
              [0, 1],
              [2, 0],
              [1, 1],
              [0, 0],
            ],
            1.5,
          ),
        ],
      },
      { name: 'pad of a vector', run: (x) => [tf.pad(tf.reshape(x, [-1]), [[3, 2]], -2)] },
      { name: 'tile of every axis', run: (x) => [tf.tile(x, [2, 1, 3, 2])] },
      { name: 'tile of the leading axes (whole rows repeated)', run: (x) => [tf.tile(x, [2, 3, 1, 1])] },
      { name: 'tile of the last axis only', run: (x) => [tf.tile(x, [1, 1, 1, 13])] },
      { name: 'tile by nothing (a copy)', run: (x) => [tf.tile(x, [1, 1, 1, 1])] },
      { name: 'tile to an empty tensor', run: (x) => [tf.tile(x, [1, 0, 2, 1])] },
      { name: 'broadcast of a [n, 1, 1, c] tensor (a mean gradient)', run: (x) => [tf.broadcastTo(tf.slice(x, [0, 0, 0, 0], [3, 1, 1, 6]), shape)] },
      { name: 'broadcast of a column (a last-axis sum gradient)', run: (x) => [tf.broadcastTo(tf.slice(x, [0, 0, 0, 0], [3, 5, 4, 1]), [3, 5, 4, 70])] },
      { name: 'tile of a vector, long rows', run: (x) => [tf.tile(tf.reshape(x, [-1]), [300])] },
    ];
    it.each(cases)('$name (float32 and int32)', async ({ run }) => {
      for (const dtype of ['float32', 'int32'] as const) {
        const f = () => run(tf.cast(tf.mul(tf.tensor(values(shape, 48), shape), 100), dtype)).map((t) => tf.cast(t, 'float32'));
        const onWasm = await runOn('wasm', f);
        const onCpu = await runOn('cpu', f);
        expect(onWasm.length).toBe(onCpu.length);
        onWasm.forEach((a, i) => expect(Array.from(a), `${dtype} output ${i}`).toEqual(Array.from(onCpu[i]!)));
      }
    });
    it('gives the gradients of slice, concat and pad as cpu does', async () => {
      await compare('slice, concat, pad', [{ shape, seed: 49 }], (x) =>
        tf.pad(tf.concat([tf.slice(x, [0, 1, 0, 0], [-1, 3, -1, -1]), tf.split(x, [2, 3], 1)[0]!], 1), [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
      );
    });
  });

  describe('the relu gradient', () => {
    it('equals dy * step(x) as cpu computes it, with zeros and NaN in x', async () => {
      const run = () => {
        const x = tf.tensor1d([-2, -0, 0, 1e-30, 3, Number.NaN, -Number.NaN, 5]);
        const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, Number.POSITIVE_INFINITY]);
        return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dy)))(x)];
      };
      const [onWasm] = await runOn('wasm', run);
      const [onCpu] = await runOn('cpu', run);
      expect(Array.from(onWasm!)).toEqual(Array.from(onCpu!));
      expect(Array.from(onWasm!).slice(0, 5)).toEqual([0, 0, 0, 4, 5]);
    });
    it('matches the cpu backend inside a network', async () => {
      await compare(
        'relu net',
        [
          { shape: [2, 5, 5, 3], seed: 50 },
          { shape: [3, 3, 3, 4], seed: 51 },
        ],
        (x, w) => tf.relu(tf.conv2d(tf.relu(x as tf.Tensor4D), w as tf.Tensor4D, 1, 'same')),
      );
    });
  });

  // The stock wasm kernel (XNNPACK) lets a NaN first in its window win as -Infinity; the native one has the cpu backend's rule.
  it.runIf(mode === 'native kernels')('maxPool gives the bits of the cpu backend, NaN, infinities and signed zeros included', async () => {
    const shape = [2, 6, 8, 11];
    const x = values(shape, 63);
    const specials = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let i = 0; i < x.length; i += 5) x[i] = specials[(i / 5) % specials.length]!;
    x[0] = x[11] = x[8 * 11] = x[9 * 11] = Number.NaN; // a window of NaN only (channel 0, first window)
    const run = () => [
      tf.maxPool(tf.tensor4d(x, shape as [number, number, number, number]), 2, 2, 'valid'),
      tf.maxPool(tf.tensor4d(x, shape as [number, number, number, number]), 3, 1, 'same'),
    ];
    const onWasm = await runOn('wasm', run);
    const onCpu = await runOn('cpu', run);
    onWasm.forEach((a, i) => expect(new Uint32Array(a.buffer), `pool ${i}`).toEqual(new Uint32Array(onCpu[i]!.buffer)));
  });
  it.runIf(mode === 'native kernels')('avgPool gives the bits of the cpu backend (sums and divisions in float64, clipped windows)', async () => {
    const shape = [2, 7, 9, 11] as [number, number, number, number];
    // Values of very different magnitudes: a float32 sum, or another order, rounds differently.
    const x = Float32Array.from(values(shape, 65), (v, i) => v * (i % 3 === 0 ? 1e7 : 1));
    const run = () => [
      tf.avgPool(tf.tensor4d(x, shape), 3, 1, 'same'),
      tf.avgPool(tf.tensor4d(x, shape), 3, 2, 'same'),
      tf.avgPool(tf.tensor4d(x, shape), 2, 2, 'valid'),
    ];
    const onWasm = await runOn('wasm', run);
    const onCpu = await runOn('cpu', run);
    onWasm.forEach((a, i) => expect(new Uint32Array(a.buffer), `pool ${i}`).toEqual(new Uint32Array(onCpu[i]!.buffer)));
  });

  describe('Relu and Add on large float32 tensors (native from 16,384 values)', () => {
    const n = 4 * 8 * 8 * 97; // 24,832 values: past the native threshold, not a multiple of the vector width
    const specials = [Number.NaN, -0, 0, -1e-40, 1e-40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -3, 3];
    const xs = () => {
      const v = values([n], 60);
      specials.forEach((s, i) => {
        v[i * 997] = s;
      });
      return v;
    };
    it('Relu is max(x, 0): NaN kept, -0 and negative denormals to +0, as the stock wasm kernel', async () => {
      const x = xs();
      const [y] = await runOn('wasm', () => [tf.relu(tf.tensor(x, [4, 8, 8, 97]))]);
      const expected = Float32Array.from(x, (v) => (v > 0 ? v : Number.isNaN(v) ? v : 0));
      expect(new Uint32Array(y!.buffer)).toEqual(new Uint32Array(expected.buffer));
    });
    it('Add of the same shapes and of a bias along the last axis, either order, gives the float32 sums', async () => {
      const a = xs();
      const b = values([n], 61);
      const bias = values([97], 62);
      const [same, biasAfter, biasFirst, biasRank4, column] = await runOn('wasm', () => {
        const ta = tf.tensor(a, [4, 8, 8, 97]);
        return [
          tf.add(ta, tf.tensor(b, [4, 8, 8, 97])),
          tf.add(ta, tf.tensor(bias, [97])),
          tf.add(tf.tensor(bias, [97]), ta),
          tf.add(ta, tf.tensor(bias, [1, 1, 1, 97])),
          // Not a bias along the last axis: the stock kernel's broadcast.
          tf.add(tf.tensor(a.subarray(0, 256 * 97), [256, 97]), tf.tensor(bias.subarray(0, 1), [1, 1])),
        ];
      });
      const bits = (f: Float32Array) => new Uint32Array(f.buffer);
      expect(bits(same!)).toEqual(bits(Float32Array.from(a, (v, i) => v + b[i]!)));
      const withBias = Float32Array.from(a, (v, i) => v + bias[i % 97]!);
      expect(bits(biasAfter!)).toEqual(bits(withBias));
      expect(bits(biasFirst!)).toEqual(bits(withBias));
      expect(bits(biasRank4!)).toEqual(bits(withBias));
      expect(bits(column!)).toEqual(bits(Float32Array.from(a.subarray(0, 256 * 97), (v) => v + bias[0]!)));
    });
    it('int32 Add and Relu still run (on the stock kernels)', async () => {
      const [sum, relu] = await runOn('wasm', () => {
        const t = tf.cast(tf.mul(tf.tensor(values([n], 63), [n]), 1000), 'int32');
        return [tf.cast(tf.add(t, t), 'float32'), tf.cast(tf.relu(t), 'float32')];
      });
      const ints = Int32Array.from(values([n], 63), (v) => Math.trunc(Math.fround(v * 1000)));
      expect(Array.from(sum!.subarray(0, 50))).toEqual(Array.from(ints.subarray(0, 50), (v) => 2 * v));
      expect(Array.from(relu!.subarray(0, 50))).toEqual(Array.from(ints.subarray(0, 50), (v) => Math.max(v, 0)));
    });
  });

  describe('MomentumSgdUpdate', () => {
    /** The rule of the kernel composed of stock kernels, as `@asng/engine`'s MomentumSgd composes it. */
    const composed = (w: tf.Tensor, g: tf.Tensor, v: tf.Tensor | undefined, a: MomentumSgdUpdateAttrs): tf.Tensor[] => {
      let grad = g;
      if (a.gradientScale !== 1) grad = tf.mul(grad, a.gradientScale);
      if (a.weightDecay > 0) grad = tf.add(grad, tf.mul(w, a.weightDecay));
      const velocity = v === undefined ? grad : tf.add(tf.mul(v, a.momentum), grad);
      const direction = a.nesterov ? tf.add(grad, tf.mul(velocity, a.momentum)) : velocity;
      return [tf.sub(w, tf.mul(direction, a.learningRate)), velocity];
    };
    const cases: MomentumSgdUpdateAttrs[] = [
      { learningRate: 0.025, momentum: 0.9, weightDecay: 3e-4, gradientScale: 0.37, nesterov: false, first: false },
      { learningRate: 0.1, momentum: 0.9, weightDecay: 0, gradientScale: 1, nesterov: true, first: false },
      { learningRate: 0.3, momentum: 0.5, weightDecay: 1e-2, gradientScale: 1, nesterov: false, first: true },
      { learningRate: 0.05, momentum: 0.99, weightDecay: 5e-4, gradientScale: 0.8, nesterov: true, first: true },
    ];
    it.each(cases)('gives the bits of the composed rule on wasm: %o', async (a) => {
      const inputs = () => [
        tf.randomNormal([3, 5, 7], 0, 1, 'float32', 1),
        tf.randomNormal([3, 5, 7], 0, 1, 'float32', 2),
        tf.randomNormal([3, 5, 7], 0, 1, 'float32', 3),
      ];
      const fused = await runOn('wasm', () => {
        const [w, g, v] = inputs();
        return tf.engine().runKernel(MomentumSgdUpdate, { variable: w!, gradient: g!, velocity: v! }, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
      });
      const reference = await runOn('wasm', () => {
        const [w, g, v] = inputs();
        return composed(w!, g!, a.first ? undefined : v, a);
      });
      expect(Array.from(fused[0]!)).toEqual(Array.from(reference[0]!));
      expect(Array.from(fused[1]!)).toEqual(Array.from(reference[1]!));
    });
    it('names a bad input or attribute', async () => {
      await tf.setBackend('wasm');
      const [w, g] = [tf.ones([2, 2]), tf.ones([4])];
      const a = cases[0]!;
      expect(() => tf.engine().runKernel(MomentumSgdUpdate, { variable: w, gradient: g, velocity: w }, a as unknown as tf.NamedAttrMap)).toThrow(
        /MomentumSgdUpdate: input gradient has shape \[4\], the variable \[2, 2\]/,
      );
      expect(() =>
        tf.engine().runKernel(MomentumSgdUpdate, { variable: w, gradient: w, velocity: w }, { ...a, momentum: Number.NaN } as unknown as tf.NamedAttrMap),
      ).toThrow(/attribute momentum must be a finite number, got NaN/);
      tf.dispose([w, g]);
    });
  });

  describe('NormalizeBatch and NormalizeBatchGrad on wasm match composite ops on cpu', () => {
    /** Batch normalisation with the batch statistics: the fused kernels where registered, else autodiff of composite ops. */
    const normalize = (x: tf.Tensor, withStatistics = false): tf.Tensor[] => {
      const epsilon = 1e-3;
      const stats: tf.Tensor[] = [];
      if (tf.getKernel(NormalizeBatch, tf.getBackend()) === undefined) {
        const axes = x.shape.slice(0, -1).map((_, i) => i);
        const { mean, variance } = tf.moments(x, axes);
        if (withStatistics) stats.push(mean, variance);
        return [tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), ...stats];
      }
      const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
        const [y, mean, variance] = tf.engine().runKernel(NormalizeBatch, { x: input }, { epsilon }) as tf.Tensor[];
        // customGrad disposes what its forward function made, except the value.
        if (withStatistics) stats.push(tf.keep(tf.clone(mean!)), tf.keep(tf.clone(variance!)));
        save([y!, variance!]);
        return {
          value: y!,
          gradFunc: (dy: tf.Tensor, [yS, v]: tf.Tensor[]) => tf.engine().runKernel(NormalizeBatchGrad, { dy, y: yS!, variance: v! }, { epsilon }) as tf.Tensor,
        };
      });
      return [f(x), ...stats];
    };
    it.each([
      { shape: [3, 5, 4, 6], offset: 0 },
      { shape: [2, 3, 3, 5], offset: 100 },
      { shape: [7, 4], offset: -3 },
    ])('$shape, mean offset $offset: output, statistics and gradient', async ({ shape, offset }) => {
      const run = () => {
        const x = tf.add(tf.mul(tf.tensor(values(shape, 51), shape), tf.range(1, shape.at(-1)! + 1)), offset);
        const upstream = tf.tensor(values(shape, 52), shape);
        const [y, mean, variance] = normalize(x, true);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(normalize(a)[0]!, upstream)))(x);
        return [y!, mean!, variance!, dx];
      };
      // The statistics are kept out of `tidy`: disposed by runOn with the rest.
      const onWasm = await runOn('wasm', run);
      const onCpu = await runOn('cpu', run);
      ['output', 'mean', 'variance', 'gradient'].forEach((name, i) => expectClose(onWasm[i]!, onCpu[i]!, name, name === 'gradient' ? 1e-4 : 1e-5));
    });
    it('leaks no tensors over repeated steps', async () => {
      await tf.setBackend('wasm');
      const x = tf.tensor(values([2, 4, 4, 3], 53), [2, 4, 4, 3]);
      const step = () => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.square(normalize(a)[0]!)))(x));
      tf.dispose(step());
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose(step());
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
});
