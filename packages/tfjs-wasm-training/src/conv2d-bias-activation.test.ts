import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectClose, gradientsOf, runOn, values } from '../test/compare.js';
import { spreadFilter } from '../test/reference.js';
import { conv2dBiasActivation, ReluBiasGrad, type BiasActivation } from './conv2d-bias-activation.js';
import { loadNativeKernels } from './native-kernels.js';
import { setupWasmTraining, type WasmTrainingSetup } from './setup-wasm-training.js';

const { addon } = await loadNativeKernels();
/** Every case runs with the native kernels (where they load) and with the wasm kernels alone. */
const MODES = addon !== undefined ? ['native kernels', 'wasm kernels only'] : ['wasm kernels only'];

interface Case {
  x: number[];
  filter: number[];
  stride: number;
  pad: 'same' | 'valid';
  activation: BiasActivation;
  dilation?: number;
}

const cases: Case[] = [
  { x: [2, 7, 6, 3], filter: [1, 1, 3, 4], stride: 1, pad: 'valid', activation: 'relu' },
  { x: [2, 7, 7, 3], filter: [1, 1, 3, 4], stride: 2, pad: 'same', activation: 'relu' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same', activation: 'relu' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid', activation: 'linear' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same', activation: 'relu' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid', activation: 'relu' },
  { x: [2, 9, 8, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'same', activation: 'relu' },
  { x: [2, 9, 8, 2], filter: [5, 5, 2, 3], stride: 2, pad: 'valid', activation: 'linear' },
  // 3x3, stride 1, 8 channels or more: the native kernels' Winograd path.
  { x: [2, 9, 7, 12], filter: [3, 3, 12, 10], stride: 1, pad: 'same', activation: 'relu' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same', activation: 'relu', dilation: 2 },
];

const label = (c: Case) => `x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.stride}, ${c.pad}, ${c.activation}, dilation ${c.dilation ?? 1}`;

const inputsOf = (c: Case) => [
  { shape: c.x, seed: 1 },
  { shape: c.filter, seed: 2 },
  { shape: [c.filter[3]!], seed: 3 },
];

const fused =
  (c: Case) =>
  (...[x, w, b]: tf.Tensor[]) =>
    conv2dBiasActivation({
      x: x as tf.Tensor4D,
      filter: w as tf.Tensor4D,
      bias: b!,
      strides: c.stride,
      pad: c.pad,
      dilations: c.dilation ?? 1,
      activation: c.activation,
    });

/** The same layer as separate `Conv2D`, `Add` and `Relu` kernels (dilation through a spread filter, for the cpu backend). */
const unfused =
  (c: Case, spread: boolean) =>
  (...[x, w, b]: tf.Tensor[]) => {
    const d = c.dilation ?? 1;
    const filter = spread ? spreadFilter(w as tf.Tensor4D, d) : (w as tf.Tensor4D);
    const z = tf.add(tf.conv2d(x as tf.Tensor4D, filter, c.stride, c.pad, 'NHWC', spread ? 1 : d), b!);
    return c.activation === 'relu' ? tf.relu(z) : z;
  };

const NAMES = ['output', 'x gradient', 'filter gradient', 'bias gradient'];

/** The index of the first value whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Kernel names passed to `engine().runKernel` while `f` runs. */
function kernelCalls(f: () => void): string[] {
  const spy = vi.spyOn(tf.engine(), 'runKernel');
  try {
    f();
    return spy.mock.calls.map((call) => call[0]);
  } finally {
    spy.mockRestore();
  }
}

const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;

/** Two layers on data (not a variable): the first layer's input gradient is not needed, the second's is. */
function twoLayers(activation: BiasActivation) {
  const x = tf.tensor4d(values([2, 8, 8, 3], 5), [2, 8, 8, 3]);
  const w1 = tf.variable(tf.tensor4d(values([3, 3, 3, 8], 6), [3, 3, 3, 8]));
  const b1 = tf.variable(tf.tensor1d(values([8], 7)));
  const w2 = tf.variable(tf.tensor4d(values([3, 3, 8, 8], 8), [3, 3, 8, 8]));
  const b2 = tf.variable(tf.tensor1d(values([8], 9)));
  const loss = () => {
    const h = conv2dBiasActivation({ x, filter: w1, bias: b1, pad: 'same', activation });
    const y = conv2dBiasActivation({ x: h, filter: w2, bias: b2, strides: 2, pad: 'same', activation });
    return tf.mean(tf.square(y)) as tf.Scalar;
  };
  return { loss, tensors: [x, w1, b1, w2, b2] };
}

/** Tests that run on whichever backend is active. */
function backendIndependent(backend: string) {
  it('computes the input gradient only where the input depends on a variable', async () => {
    await tf.setBackend(backend);
    const { loss, tensors } = twoLayers('relu');
    let calls: string[] = [];
    try {
      calls = kernelCalls(() => tf.dispose(tf.variableGrads(loss).grads));
    } finally {
      tf.dispose(tensors);
    }
    expect(count(calls, tf.FusedConv2D)).toBe(2);
    expect(count(calls, tf.Conv2DBackpropFilter)).toBe(2);
    // The second layer's only: the first layer's input is the data.
    expect(count(calls, tf.Conv2DBackpropInput)).toBe(1);
    expect(count(calls, tf.Relu)).toBe(0);
    expect(count(calls, tf.Add)).toBe(0);
    if (tf.getKernel(ReluBiasGrad, backend) !== undefined) {
      expect(count(calls, ReluBiasGrad)).toBe(2);
      // The bias gradients come from ReluBiasGrad (one Sum: the loss's mean).
      expect(count(calls, tf.Sum)).toBe(0);
    }
  });

  it('does not leak tensors over training steps', async () => {
    await tf.setBackend(backend);
    for (const activation of ['relu', 'linear'] as const) {
      const { loss, tensors } = twoLayers(activation);
      const optimizer = tf.train.sgd(0.01);
      try {
        const step = () => tf.dispose(optimizer.minimize(loss, true) ?? []);
        step();
        step();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) step();
        expect(tf.memory().numTensors, activation).toBe(before);
      } finally {
        optimizer.dispose();
        tf.dispose(tensors);
      }
    }
  });

  it("leaves tfjs-core's own fused.conv2d (customGrad) as it was", async () => {
    await tf.setBackend(backend);
    const c: Case = { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same', activation: 'linear' };
    // Registers the FusedConv2D gradient, should it not be yet.
    tf.dispose(conv2dBiasActivation({ x: tf.zeros([1, 3, 3, 3]), filter: tf.zeros([1, 1, 3, 4]), pad: 'valid' }));
    const tfjsFused = (...[x, w, b]: tf.Tensor[]) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 1, pad: 'same' });
    const actual = await runOn(backend, () => gradientsOf(tfjsFused, inputsOf(c)));
    const expected = await runOn(backend, () => gradientsOf(unfused(c, true), inputsOf(c)));
    actual.forEach((a, i) => expectClose(a, expected[i]!, `tf.fused.conv2d: ${NAMES[i]}`));
  });

  it('refuses other activations, a bias of the wrong size, mismatched channels, and strides with dilations', async () => {
    await tf.setBackend(backend);
    const x = tf.zeros<tf.Rank.R4>([1, 4, 4, 2]);
    const w = tf.zeros<tf.Rank.R4>([3, 3, 2, 3]);
    try {
      const run = (args: Partial<Parameters<typeof conv2dBiasActivation>[0]>) => () =>
        conv2dBiasActivation({ x, filter: w, pad: 'same', ...args } as Parameters<typeof conv2dBiasActivation>[0]);
      expect(run({ activation: 'relu6' as BiasActivation })).toThrow(/activation must be 'linear' or 'relu'/);
      expect(run({ bias: tf.zeros([2]) })).toThrow(/one value per output channel \(3\)/);
      expect(run({ filter: tf.zeros<tf.Rank.R4>([3, 3, 4, 3]) })).toThrow(/x has 2 channels, the filter expects 4/);
      expect(run({ strides: 2, dilations: 2 })).toThrow(/cannot both exceed 1/);
    } finally {
      tf.dispose([x, w]);
    }
  });
}

describe.each(MODES)('conv2dBiasActivation on wasm, %s', (mode) => {
  let setup: WasmTrainingSetup | undefined;
  beforeAll(async () => {
    setup = await setupWasmTraining({ threads: 1, native: mode === 'native kernels' });
    expect(setup.native.used).toBe(mode === 'native kernels');
  });
  afterAll(() => setup?.unregister());

  it.each(cases)("matches the cpu backend's Conv2D, Add and Relu with their gradients: %s", async (c) => {
    const actual = await runOn('wasm', () => gradientsOf(fused(c), inputsOf(c)));
    const expected = await runOn('cpu', () => gradientsOf(unfused(c, true), inputsOf(c)));
    actual.forEach((a, i) => expectClose(a, expected[i]!, `${label(c)}: ${NAMES[i]}`));
  });

  backendIndependent('wasm');

  it.runIf(mode === 'native kernels').each(cases.filter((c) => c.dilation === undefined))(
    'gives the bits of Conv2D, Add and Relu on wasm, forward and backward, Winograd on and off, a NaN bias included: %s',
    async (c) => {
      const native = addon!;
      const before = native.winograd();
      const x = values(c.x, 1);
      const w = values(c.filter, 2);
      const b = values([c.filter[3]!], 3);
      b[1] = Number.NaN;
      const upstream = (shape: number[]) => tf.tensor(values(shape, 97), shape);
      const run = (layer: (...t: tf.Tensor[]) => tf.Tensor) => () => {
        const tensors = [tf.tensor(x, c.x), tf.tensor(w, c.filter), tf.tensor(b)];
        const y = layer(...tensors);
        const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(layer(...t), upstream(y.shape))))(tensors);
        return [y, ...grads];
      };
      try {
        for (const winograd of [true, false]) {
          native.winograd(winograd);
          const ours = await runOn('wasm', run(fused(c)));
          const reference = await runOn('wasm', run(unfused(c, false)));
          expect(ours[0]!.some(Number.isNaN), 'the NaN bias reaches the output').toBe(true);
          ours.forEach((a, i) => expect(firstDifference(a, reference[i]!), `${label(c)}, winograd ${winograd}: ${NAMES[i]}`).toBe(-1));
        }
      } finally {
        native.winograd(before);
      }
    },
  );
});

describe('conv2dBiasActivation on cpu', () => {
  it.each(cases)("matches the cpu backend's Conv2D, Add and Relu with their gradients: %s", async (c) => {
    const actual = await runOn('cpu', () => gradientsOf(fused(c), inputsOf(c)));
    const expected = await runOn('cpu', () => gradientsOf(unfused(c, true), inputsOf(c)));
    actual.forEach((a, i) => expectClose(a, expected[i]!, `${label(c)}: ${NAMES[i]}`));
  });

  backendIndependent('cpu');
});
