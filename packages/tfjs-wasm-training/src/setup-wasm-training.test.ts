import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/compare.js';
import { batchOf, benchmarkNet, dilatedSeparableNet, initWeights, transposedAutoencoder, type Net } from '../test/nets.js';
import { loadNativeKernels } from './native-kernels.js';
import { setupWasmTraining, type WasmTrainingSetup } from './setup-wasm-training.js';

let threads = 0;
let native: WasmTrainingSetup['native'];

beforeAll(async () => {
  ({ threads, native } = await setupWasmTraining({ threads: 2 }));
});

/** Loss and gradients of every weight, on `backend`. */
async function lossAndGradients(backend: string, net: Net, size: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const weights = initWeights(net);
  const { x, labels } = batchOf(3, size, size);
  const names = Object.keys(net.shapes);
  const { value, grads } = tf.variableGrads(
    () => net.loss(weights, x, labels),
    names.map((k) => weights[k]!),
  );
  const out = [await value.data(), ...(await Promise.all(names.map((k) => grads[weights[k]!.name]!.data())))];
  tf.dispose([value, x, labels, ...Object.values(grads), ...Object.values(weights)]);
  return out as Float32Array[];
}

describe('setupWasmTraining', () => {
  it('starts the wasm backend with two threads in Node', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(threads).toBe(2);
    expect(getThreadsCount()).toBe(2);
  });

  it('refuses a thread count it cannot honour', async () => {
    await expect(setupWasmTraining({ threads: 1 })).rejects.toThrow(/runs 2 thread\(s\), 1 were asked for: it was initialised before/);
    await expect(setupWasmTraining({ threads: 9 })).rejects.toThrow(RangeError);
  });

  it("uses the native kernels where they load, on the backend's threads, and says so", async () => {
    const { addon, status } = await loadNativeKernels();
    expect(native.used).toBe(status.available);
    if (addon !== undefined) expect(addon.getThreads()).toBe(2);
    else expect(native.reason).toMatch(/\w/);
    await expect(setupWasmTraining({ threads: 2, native: 'yes' as unknown as boolean })).rejects.toThrow(/native must be true, false or 'auto'/);
  });

  it('runs 3x3 stride-1 convolutions by Winograd unless told not to (the option, else ASNG_WINOGRAD=0), and says so', async () => {
    const { addon } = await loadNativeKernels();
    expect(native.winograd).toBe(addon !== undefined);
    const saved = process.env['ASNG_WINOGRAD'];
    // Each setup registers the kernels again; undone in reverse order at the end.
    const setups: { unregister: () => void }[] = [];
    const setup = async (options: Parameters<typeof setupWasmTraining>[0]) => {
      const s = await setupWasmTraining(options);
      setups.push(s);
      return s.native.winograd;
    };
    try {
      expect(await setup({ threads: 2, winograd: false })).toBe(false);
      if (addon !== undefined) expect(addon.winograd()).toBe(false);
      process.env['ASNG_WINOGRAD'] = '0';
      expect(await setup({ threads: 2 })).toBe(false);
      expect(await setup({ threads: 2, winograd: true })).toBe(addon !== undefined);
      delete process.env['ASNG_WINOGRAD'];
      expect(await setup({ threads: 2 })).toBe(addon !== undefined);
      await expect(setupWasmTraining({ threads: 2, winograd: 'no' as unknown as boolean })).rejects.toThrow(/winograd must be true or false, got no/);
    } finally {
      if (saved === undefined) delete process.env['ASNG_WINOGRAD'];
      else process.env['ASNG_WINOGRAD'] = saved;
      // Undone in reverse order, each unregister() puts the switch back as its setup found it.
      const expected = [true, false, false, true];
      for (const [i, s] of setups.reverse().entries()) {
        s.unregister();
        if (addon !== undefined) expect(addon.winograd()).toBe(expected[i]);
      }
    }
  });

  it.each([
    ['the benchmark net', benchmarkNet(4), 10],
    ['the benchmark net with fused convolutions', benchmarkNet(4, { fused: true }), 10],
    ['the benchmark net with conv2dBiasActivation', benchmarkNet(4, { fused: 'conv2dBiasActivation' }), 10],
    ['a dilated, separable net', dilatedSeparableNet(4), 11],
    ['a transposed-conv autoencoder', transposedAutoencoder(4), 12],
  ] as const)('gives %s the same loss and gradients as the cpu backend', async (_, net, size) => {
    const onWasm = await lossAndGradients('wasm', net, size);
    const onCpu = await lossAndGradients('cpu', net, size);
    const names = ['loss', ...Object.keys(net.shapes)];
    onWasm.forEach((a, i) => expectClose(a, onCpu[i]!, names[i]!, 1e-4));
  });

  it.each([
    ['the benchmark net', benchmarkNet(4)],
    ['the benchmark net with fused convolutions', benchmarkNet(4, { fused: true })],
    ['the benchmark net with conv2dBiasActivation', benchmarkNet(4, { fused: 'conv2dBiasActivation' })],
    ['a dilated, separable net', dilatedSeparableNet(4)],
    ['a transposed-conv autoencoder', transposedAutoencoder(4)],
  ] as const)('trains %s without leaking tensors or wasm memory, and lowers the loss', async (_, net) => {
    await tf.setBackend('wasm');
    const weights = initWeights(net);
    const { x, labels } = batchOf(4, 12, 12);
    const optimizer = tf.train.sgd(0.1);
    const step = () => optimizer.minimize(() => net.loss(weights, x, labels), true) as tf.Scalar;
    const first = step();
    const firstLoss = (await first.data())[0]!;
    first.dispose();
    const before = tf.memory().numTensors;
    // The wasm heap too: shared (reference-counted) buffers must be released.
    const buffersBefore = tf.engine().backend.numDataIds();
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const loss = step();
      last = (await loss.data())[0]!;
      loss.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    }
    expect(last).toBeLessThan(firstLoss);
    optimizer.dispose();
    tf.dispose([x, labels, ...Object.values(weights)]);
  });

  /** Six SGD steps of `net` at batch 16, 32x32: the losses and the final weights' bits. */
  const trainSixSteps = async (net: Net) => {
    const weights = initWeights(net);
    const { x, labels } = batchOf(16, 32, 32);
    const optimizer = tf.train.sgd(0.05);
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const loss = optimizer.minimize(() => net.loss(weights, x, labels), true) as tf.Scalar;
      losses.push((await loss.data())[0]!);
      loss.dispose();
    }
    const bits = await Promise.all(Object.values(weights).map(async (w) => Array.from(new Uint32Array((await w.data()).buffer))));
    optimizer.dispose();
    tf.dispose([x, labels, ...Object.values(weights)]);
    return { losses, bits };
  };

  it('trains bit-identically on two threads: the same losses and weights twice', async () => {
    await tf.setBackend('wasm');
    // Batch 16 at 32x32: the convolutions' filter gradients and the bias sums are split over several tasks.
    const net = benchmarkNet(8);
    const first = await trainSixSteps(net);
    for (let run = 0; run < 2; run++) {
      const again = await trainSixSteps(net);
      expect(again.losses).toEqual(first.losses);
      expect(again.bits).toEqual(first.bits);
    }
  });

  it('with the native kernels, trains the net with conv2dBiasActivation to the bits of separate Conv2D, Add and Relu kernels', async (context) => {
    if (!native.used) context.skip();
    await tf.setBackend('wasm');
    const separate = await trainSixSteps(benchmarkNet(8));
    const fused = await trainSixSteps(benchmarkNet(8, { fused: 'conv2dBiasActivation' }));
    expect(fused.losses).toEqual(separate.losses);
    expect(fused.bits).toEqual(separate.bits);
  });
});
