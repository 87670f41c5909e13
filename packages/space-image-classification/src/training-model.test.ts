import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Rng, type TaskSpec } from '@asng/core';
import { largestWidthWithin, retrain } from '@asng/engine';
import { randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { barsDataset } from '../test/bars-dataset.js';
import { DropPath } from './drop-path.js';
import { TrainingBatchNorm } from './training-batch-norm.js';
import { createImageClassificationSpace, type ImageClassificationSpaceOptions } from './image-classification-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Equal to float32 rounding: the training models' batch norm computes the same by other ops. */
function expectClose(actual: unknown, expected: unknown, tolerance = 1e-4): void {
  const [a, b] = [actual, expected].map((v) => (Array.isArray(v) ? (v as unknown[]).flat(4) : [v]) as number[]);
  expect(a!.length).toBe(b!.length);
  const scale = Math.max(1, ...b!.map(Math.abs));
  a!.forEach((v, i) => expect(Math.abs(v - b![i]!)).toBeLessThan(tolerance * scale));
}

const trainable = (model: tfl.LayersModel) => model.trainableWeights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);

describe('countParameters', () => {
  const cases: [ImageClassificationSpaceOptions, TaskSpec][] = [
    [
      { cells: 3, channels: 4 },
      { inputShape: [8, 8, 1], classes: 3 },
    ],
    [
      { cells: 3, channels: 5 },
      { inputShape: [8, 8, 1], classes: 3 },
    ],
    [
      { cells: 1, channels: 3 },
      { inputShape: [6, 6, 2], classes: 4 },
    ],
    [
      { cells: 8, channels: 2 },
      { inputShape: [32, 32, 3], classes: 10 },
    ],
    [
      { cells: 5, channels: 6, stemMultiplier: 2 },
      { inputShape: [9, 7, 3], classes: 10 },
    ],
    [
      { cells: 2, channels: 2, nodes: 3, operations: ['sep_conv_5x5', 'identity', 'max_pool_3x3'] },
      { inputShape: [7, 9, 3], classes: 2 },
    ],
  ];
  for (const [options, task] of cases) {
    it(`equals the trainable parameters of the built model (${JSON.stringify(options)})`, () => {
      const space = createImageClassificationSpace(options);
      const rng = new Rng(11);
      for (let k = 0; k < 10; k++) {
        const architecture = randomArchitecture(space.variables, rng);
        const model = space.buildModel(architecture, task, rng);
        expect(space.countParameters(architecture, task)).toBe(trainable(model));
        model.dispose();
      }
    });
  }

  it("fits the paper's 4.0M budget: the largest width within it, counted without building", () => {
    const task: TaskSpec = { inputShape: [32, 32, 3], classes: 10 };
    const architecture = randomArchitecture(createImageClassificationSpace().variables, new Rng(3));
    const count = (channels: number) => createImageClassificationSpace({ cells: 20, channels }).countParameters(architecture, task);
    const before = tf.memory().numTensors;
    const channels = largestWidthWithin({ budget: 4e6, parameters: count });
    expect(tf.memory().numTensors).toBe(before);
    expect(count(channels)).toBeLessThanOrEqual(4e6);
    expect(count(channels + 1)).toBeGreaterThan(4e6);
    expect(channels).toBeGreaterThan(16);
  });
});

describe('DropPath', () => {
  const ones = () => tf.ones([64, 3, 3, 2]) as tf.Tensor4D;
  it('drops whole paths per example and scales the kept ones by 1 / (1 - p), in training only', () => {
    const control = { probability: 0.5, rng: new Rng(5) };
    const layer = new DropPath(control, { name: 'drop' });
    const x = ones();
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const values = y.arraySync() as number[][][][];
    const perExample = values.map((e) => [...new Set(e.flat(2))]);
    for (const v of perExample) expect(v.length === 1 && (v[0] === 0 || v[0] === 2)).toBe(true);
    const dropped = perExample.filter((v) => v[0] === 0).length;
    expect(dropped).toBeGreaterThan(16);
    expect(dropped).toBeLessThan(48);
    // The same RNG state gives the same masks.
    const again = new DropPath({ probability: 0.5, rng: new Rng(5) }, { name: 'drop2' }).apply(x, { training: true }) as tf.Tensor;
    expect(again.arraySync()).toEqual(values);
    // Inference, or p = 0: the identity, and no draw.
    const state = JSON.stringify(control.rng.getState());
    expect((layer.apply(x, { training: false }) as tf.Tensor).arraySync()).toEqual(x.arraySync());
    control.probability = 0;
    expect((layer.apply(x, { training: true }) as tf.Tensor).arraySync()).toEqual(x.arraySync());
    expect(JSON.stringify(control.rng.getState())).toBe(state);
    tf.dispose([x, y, again]);
  });
});

describe('training models', () => {
  const options = { cells: 3, channels: 4 };
  const space = createImageClassificationSpace(options);
  const task: TaskSpec = { inputShape: [12, 12, 1], classes: 3 };
  const architecture = randomArchitecture(space.variables, new Rng(8));

  it('add an auxiliary output beside the unchanged main one, from the same initial weights', () => {
    const plain = space.buildModel(architecture, task, new Rng(4));
    const { model } = space.buildTrainingModel(architecture, task, new Rng(4), { auxiliaryHead: true, dropPath: false, rng: new Rng(1) });
    const x = tf.randomUniform([5, 12, 12, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    try {
      expect(plain.outputs).toHaveLength(1);
      expect(model.outputs).toHaveLength(2);
      const names = new Set(model.layers.map((l) => l.name));
      for (const l of plain.layers) expect(names.has(l.name)).toBe(true);
      expect(plain.layers.some((l) => l.name.startsWith('aux_'))).toBe(false);
      expect(model.getLayer('aux_classifier')).toBeDefined();
      const [main, aux] = model.predict(x) as tf.Tensor[];
      expect(aux!.shape).toEqual([5, 3]);
      expectClose(main!.arraySync(), (plain.predict(x) as tf.Tensor).arraySync());
      expect(trainable(model)).toBeGreaterThan(trainable(plain) + 128 * 768);
    } finally {
      plain.dispose();
      model.dispose();
      x.dispose();
    }
  });

  it('drop paths in training mode only, from the seeded RNG', () => {
    const plain = space.buildModel(architecture, task, new Rng(4));
    const training = space.buildTrainingModel(architecture, task, new Rng(4), { auxiliaryHead: false, dropPath: true, rng: new Rng(1) });
    const twin = space.buildTrainingModel(architecture, task, new Rng(4), { auxiliaryHead: false, dropPath: true, rng: new Rng(1) });
    const x = tf.randomUniform([6, 12, 12, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const run = (m: tfl.LayersModel, trainingMode: boolean) => tf.tidy(() => (m.apply(x, { training: trainingMode }) as tf.Tensor2D).arraySync());
    try {
      expect(training.model.layers.filter((l) => l instanceof DropPath).length).toBeGreaterThan(0);
      training.setDropPathProbability(0.4);
      expectClose(run(training.model, false), run(plain, false));
      training.setDropPathProbability(0);
      // At p = 0 (the first step) the training model computes what buildModel's does.
      expectClose(run(training.model, true), run(plain, true));
      training.setDropPathProbability(0.4);
      twin.setDropPathProbability(0.4);
      const dropped = run(training.model, true);
      const undropped = run(plain, true);
      expect(Math.max(...dropped.flat().map((v, i) => Math.abs(v - undropped.flat()[i]!)))).toBeGreaterThan(1e-2);
      expect(run(twin.model, true)).toEqual(dropped);
      expect(() => training.setDropPathProbability(1)).toThrow(/expected a probability in \[0, 1\), got 1/);
    } finally {
      for (const m of [plain, training.model, twin.model]) m.dispose();
      x.dispose();
    }
  });

  it('train their batch norms as tfjs-layers does: the same outputs, moving statistics and gradients', () => {
    const plain = space.buildModel(architecture, task, new Rng(4));
    const { model } = space.buildTrainingModel(architecture, task, new Rng(4), { auxiliaryHead: false, dropPath: false, rng: new Rng(1) });
    const x = tf.randomUniform([6, 12, 12, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    try {
      expect(model.layers.filter((l) => l instanceof TrainingBatchNorm).length).toBe(
        plain.layers.filter((l) => l.getClassName() === 'BatchNormalization').length,
      );
      const gradients = (m: tfl.LayersModel) =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
            m.trainableWeights.map((w) => w.read() as tf.Variable),
          );
          return m.trainableWeights.map((w) => Array.from(grads[(w.read() as tf.Variable).name]!.dataSync()));
        });
      const [g, h] = [gradients(model), gradients(plain)];
      expect(g.length).toBe(h.length);
      g.forEach((grad, i) => expectClose(grad, h[i], 1e-3));
      // The moving statistics after that training-mode pass, weight by weight in the same order.
      const [a, b] = [model.getWeights(), plain.getWeights()];
      expect(a.length).toBe(b.length);
      a.forEach((w, i) => expectClose(Array.from(w.dataSync()), Array.from(b[i]!.dataSync())));
      expectClose((model.predict(x) as tf.Tensor).arraySync(), (plain.predict(x) as tf.Tensor).arraySync());
    } finally {
      plain.dispose();
      model.dispose();
      tf.dispose([x, y]);
    }
  });

  it("retrain with both gives a model of buildModel's layers alone and leaves no tensor behind", async () => {
    const dataset = barsDataset(32, 8);
    const config = { epochs: 1, batchSize: 16, auxiliaryWeight: 0.4, dropPath: 0.2 };
    const first = await retrain({ space, dataset, architecture, config });
    expect(first.model.outputs).toHaveLength(1);
    expect(first.model.layers.some((l) => l.name.startsWith('aux_') || l instanceof DropPath)).toBe(false);
    expect(first.trainableParameters).toBe(space.countParameters(architecture, { inputShape: [8, 8, 1], classes: 2 }));
    first.model.dispose();
    const before = tf.memory().numTensors;
    (await retrain({ space, dataset, architecture, config })).model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
