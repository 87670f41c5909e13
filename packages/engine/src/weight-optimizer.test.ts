import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '@asng/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, MOMENTUM_SGD_UPDATE, MomentumSgd, createWeightOptimizer, scheduledLearningRate, stepDecayLearningRate } from './weight-optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function weight(name: string, values: number[]): NamedWeight {
  return { name, variable: tf.variable(tf.tensor1d(values), true, name), trainable: true };
}

describe('Adam', () => {
  it('follows PyTorch semantics, step by step (values computed by hand in float64)', async () => {
    const w = weight('adam-w', [1, -2]);
    const adam = new Adam({ weightDecay: 0.1, clipNorm: Infinity });
    const lr = 0.01;
    const grads = [
      [0.5, -1],
      [0.25, 3],
      [-1, 0.5],
    ];
    // Reference: the same recurrences in float64.
    let x = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    for (let t = 1; t <= grads.length; t++) {
      const g = grads[t - 1]!.map((gi, i) => gi + 0.1 * x[i]!);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]!);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i]! ** 2);
      x = x.map((xi, i) => xi - (lr * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8));
      const grad = tf.tensor1d(grads[t - 1]!);
      await adam.step([w], { 'adam-w': grad }, lr);
      grad.dispose();
      const got = Array.from(w.variable.dataSync());
      for (let i = 0; i < 2; i++) expect(got[i]).toBeCloseTo(x[i]!, 6);
    }
    adam.dispose();
    w.variable.dispose();
  });

  it('leaves unused weights alone, counts steps per weight, and round-trips its slots exactly', async () => {
    const a = weight('a', [1, 2]);
    const b = weight('b', [3]);
    const one = new Adam();
    const ga = tf.tensor1d([0.1, -0.2]);
    const gb = tf.tensor1d([0.3]);
    await one.step([a, b], { a: ga, b: gb }, 0.1);
    await one.step([a, b], { a: ga }, 0.1);
    const bAfter = Array.from(b.variable.dataSync());
    await one.step([a, b], { a: ga }, 0.1);
    expect(Array.from(b.variable.dataSync())).toEqual(bAfter);
    const slots = one.slotTensors();
    expect([...slots.keys()].sort()).toEqual(['adam-m/a', 'adam-m/b', 'adam-t/a', 'adam-t/b', 'adam-v/a', 'adam-v/b']);
    expect(slots.get('adam-t/a')!.dataSync()[0]).toBe(3);
    expect(slots.get('adam-t/b')!.dataSync()[0]).toBe(1);

    // A copy restored from the slots continues exactly like the original.
    const copy = new Adam();
    copy.setSlots(new Map([...slots].map(([k, t]) => [k, tf.clone(t)])));
    const a2 = weight('a2', Array.from(a.variable.dataSync()));
    const before = tf.memory().numTensors;
    await one.step([a], { a: ga }, 0.1);
    await copy.step([{ ...a2, name: 'a' }], { a2: ga }, 0.1);
    expect(Array.from(a2.variable.dataSync())).toEqual(Array.from(a.variable.dataSync()));
    expect(tf.memory().numTensors).toBe(before);
    for (const o of [one, copy]) o.dispose();
    tf.dispose([ga, gb, a.variable, b.variable, a2.variable]);
  });

  it('refuses slots of another optimizer, naming them, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => new Adam().setSlots(new Map([['momentum/w', tf.zeros([2])]]))).toThrow(/slot 'momentum\/w' is not an Adam moment/);
    expect(() => new MomentumSgd().setSlots(new Map([['adam-m/w', tf.zeros([2])]]))).toThrow(/slot 'adam-m\/w' is not a momentum buffer/);
    expect(() => new Adam().setSlots(new Map([['adam-m/w', tf.zeros([2])]]))).toThrow(/weight 'w': expected its adam-m, adam-v/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new Adam({ betas: [0.9, 1] })).toThrow(/betas\[1\] must be in \[0, 1\)/);
  });

  it('keeps the number of tensors flat over many steps', async () => {
    const w = weight('flat', [1, 2, 3]);
    const adam = createWeightOptimizer({ optimizer: 'adam' });
    const g = tf.tensor1d([1, 1, 1]);
    const start = tf.memory().numTensors;
    await adam.step([w], { flat: g }, 0.1);
    // The first step makes the two moments; the first checkpoint adds the step count, and nothing else.
    expect(tf.memory().numTensors).toBe(start + 2);
    adam.slotTensors();
    expect(tf.memory().numTensors).toBe(start + 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await adam.step([w], { flat: g }, 0.1);
      adam.slotTensors();
    }
    expect(tf.memory().numTensors).toBe(before);
    adam.dispose();
    tf.dispose([g, w.variable]);
  });
});

describe('MomentumSgd with a fused update kernel (MOMENTUM_SGD_UPDATE)', () => {
  /** A cpu kernel of the contract: the rule, rounded to float32 operation by operation. */
  let calls = 0;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    calls++;
    const cpu = backend as unknown as {
      data: { get(id: object): { values: Float32Array } };
      makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
    };
    const a = attrs as unknown as { learningRate: number; momentum: number; weightDecay: number; gradientScale: number; nesterov: boolean; first: boolean };
    const read = (name: string) => cpu.data.get((inputs[name] as tf.TensorInfo).dataId).values;
    const [w, g, v] = [read('variable'), read('gradient'), read('velocity')];
    const f = Math.fround;
    const [w2, v2] = [new Float32Array(w.length), new Float32Array(w.length)];
    for (let i = 0; i < w.length; i++) {
      let gi = g[i]!;
      if (a.gradientScale !== 1) gi = f(gi * f(a.gradientScale));
      if (a.weightDecay > 0) gi = f(gi + f(w[i]! * f(a.weightDecay)));
      const vi = a.first ? gi : f(f(v[i]! * f(a.momentum)) + gi);
      v2[i] = vi;
      w2[i] = f(w[i]! - f((a.nesterov ? f(gi + f(vi * f(a.momentum))) : vi) * f(a.learningRate)));
    }
    const shape = (inputs.variable as tf.TensorInfo).shape;
    return [cpu.makeTensorInfo(shape, 'float32', w2), cpu.makeTensorInfo(shape, 'float32', v2)];
  };

  it.each([false, true])('gives the bits of the composed update, with clipping (nesterov %s), and leaks nothing', async (nesterov) => {
    const run = async (fused: boolean) => {
      if (fused) tf.registerKernel({ kernelName: MOMENTUM_SGD_UPDATE, backendName: 'cpu', kernelFunc });
      try {
        const ws = [weight('p', [0.5, -1.5, 2, 3]), weight('q', [0.1, 0.2]), weight('r', [7])];
        const sgd = new MomentumSgd({ nesterov, clipNorm: 1.5 });
        const before = tf.memory().numTensors;
        for (let step = 0; step < 4; step++) {
          const grads = { p: tf.tensor1d([0.3, -0.7, 1.1, step]), q: tf.tensor1d([-0.2, 0.9 * step]), ...(step % 2 === 0 ? { r: tf.tensor1d([2]) } : {}) };
          await sgd.step(ws, grads, 0.1 / (step + 1));
          tf.dispose(Object.values(grads));
        }
        // The momentum buffers of the three weights.
        expect(tf.memory().numTensors).toBe(before + 3);
        const out = [...ws.map((w) => Array.from(w.variable.dataSync())), ...[...sgd.slotTensors().values()].map((t) => Array.from(t.dataSync()))];
        sgd.dispose();
        tf.dispose(ws.map((w) => w.variable));
        return out;
      } finally {
        if (fused) tf.unregisterKernel(MOMENTUM_SGD_UPDATE, 'cpu');
      }
    };
    calls = 0;
    const composed = await run(false);
    expect(calls).toBe(0);
    const fused = await run(true);
    expect(calls).toBe(10);
    expect(fused).toEqual(composed);
  });
});

describe('schedules', () => {
  it('step decay multiplies at each milestone, as MultiStepLR', () => {
    expect([0, 9, 10, 19, 20, 99].map((s) => stepDecayLearningRate(s, [10, 20], 1, 0.1))).toEqual([1, 1, 0.1, 0.1, 0.1 ** 2, 0.1 ** 2]);
  });

  it('scheduledLearningRate: cosine by default, step with milestones in epochs or at half and three quarters, constant', () => {
    expect(scheduledLearningRate({ learningRate: 1 }, 50, 100, 10)).toBeCloseTo(0.5, 12);
    expect(scheduledLearningRate({ learningRate: 1, schedule: 'constant' }, 99, 100, 10)).toBe(1);
    const step = (s: number) => scheduledLearningRate({ learningRate: 1, schedule: 'step', decayEpochs: [2.5], decayFactor: 0.5 }, s, 100, 10);
    expect([step(24), step(25)]).toEqual([1, 0.5]);
    const byDefault = (s: number) => scheduledLearningRate({ learningRate: 1, schedule: 'step' }, s, 100, 10);
    expect([byDefault(49), byDefault(50), byDefault(75)].map((x) => +x.toPrecision(12))).toEqual([1, 0.1, 0.01]);
  });
});
