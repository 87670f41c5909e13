import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, RandomSource, SearchSpace, TaskSpec, TrainingModelBuilder, TrainingModelOptions } from '@asng/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset, tinySpace } from '../test/fixtures.js';
import { evaluateModel } from './evaluate.js';
import { fileSystemIO, saveModelAtomically } from './file-system-io.js';
import { retrain } from './retrain.js';
import { largestWidthWithin } from './width-search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The tiny space with a standalone model (dense hidden layer, dense classifier) and a training model with an auxiliary head. */
function spaceWithModels(dropPathCalls: number[] = []): SearchSpace & TrainingModelBuilder {
  const build = (a: Architecture, task: TaskSpec, rng: RandomSource, auxiliary: boolean) => {
    const seed = () => rng.uint32();
    const input = tfl.input({ shape: [...task.inputShape] });
    const flat = tfl.layers.flatten({ name: 'flatten' }).apply(input) as tfl.SymbolicTensor;
    const hidden = tfl.layers
      .dense({ name: 'hidden', units: a.width as number, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed() }) })
      .apply(flat) as tfl.SymbolicTensor;
    const logits = tfl.layers
      .dense({ name: 'classifier', units: task.classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed() }) })
      .apply(hidden) as tfl.SymbolicTensor;
    const outputs = [logits];
    if (auxiliary)
      outputs.push(
        tfl.layers
          .dense({ name: 'aux', units: task.classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed() }) })
          .apply(hidden) as tfl.SymbolicTensor,
      );
    return tfl.model({ inputs: input, outputs });
  };
  return {
    ...tinySpace(),
    buildModel: (a, task, rng) => build(a, task, rng, false),
    buildTrainingModel: (a: Architecture, task: TaskSpec, rng: RandomSource, options: TrainingModelOptions) => ({
      model: build(a, task, rng, options.auxiliaryHead),
      setDropPathProbability: (p: number) => dropPathCalls.push(p),
    }),
  };
}

const architecture = { activation: 'relu', width: 6 };

describe('retrain', () => {
  it('with holdOut trains on the examples before the held-out tail and tests on the tail', async () => {
    const space = spaceWithModels();
    const dataset = syntheticDataset(64);
    const config = { epochs: 2, batchSize: 8, seed: 5, learningRate: 0.1 };
    const held = await retrain({ space, dataset, architecture, config: { ...config, holdOut: 24 } });
    const first40 = await retrain({ space, dataset, architecture, config: { ...config, maxExamples: 40 } });
    const shorter = await retrain({ space, dataset, architecture, config: { ...config, holdOut: 24, maxExamples: 16, maxTestExamples: 10 } });
    try {
      // The same training as on the first 40 examples alone: the held-out 24 were not trained on.
      expect(held.model.getLayer('hidden').getWeights()[0]!.dataSync()).toEqual(first40.model.getLayer('hidden').getWeights()[0]!.dataSync());
      expect(held.split).toBe('train');
      const tail = await evaluateModel({ space, dataset, model: held.model, batchSize: 8, split: 'train', firstExample: 40 });
      expect(tail).toEqual({ split: 'train', examples: 24, metrics: held.test });
      expect(first40.test).not.toEqual(held.test);
      const firstTen = await evaluateModel({ space, dataset, model: shorter.model, batchSize: 8, split: 'train', firstExample: 40, maxExamples: 10 });
      expect(firstTen.metrics).toEqual(shorter.test);
    } finally {
      held.model.dispose();
      first40.model.dispose();
      shorter.model.dispose();
    }
    await expect(retrain({ space, dataset, architecture, config: { ...config, holdOut: 64 } })).rejects.toThrow(
      "config.holdOut: expected a whole number of examples >= 0 and below the training split's 64, got 64",
    );
    await expect(evaluateModel({ space, dataset, model: tfl.sequential(), firstExample: 64, split: 'train' })).rejects.toThrow(
      /nothing to evaluate in split 'train'.*firstExample 64/,
    );
  });

  it('trains with an auxiliary head but returns and tests the main output alone, and evaluateModel repeats its numbers', async () => {
    const space = spaceWithModels();
    const dataset = syntheticDataset(64);
    const plain = await retrain({ space, dataset, architecture, config: { epochs: 2, batchSize: 16, seed: 3, learningRate: 0.1 } });
    const withAux = await retrain({ space, dataset, architecture, config: { epochs: 2, batchSize: 16, seed: 3, learningRate: 0.1, auxiliaryWeight: 0.4 } });
    try {
      expect(withAux.model.outputs).toHaveLength(1);
      expect(withAux.model.layers.map((l) => l.name)).not.toContain('aux');
      // 16 inputs x 6 hidden + 6, then 6 x 2 + 2.
      expect(withAux.trainableParameters).toBe(16 * 6 + 6 + 6 * 2 + 2);
      expect(withAux.parameters).toBe(plain.parameters);
      // The auxiliary loss changed the training of the shared weights.
      expect(withAux.model.getLayer('hidden').getWeights()[0]!.dataSync()).not.toEqual(plain.model.getLayer('hidden').getWeights()[0]!.dataSync());
      expect(withAux.split).toBe('train');
      expect(withAux.test.accuracy).toBeGreaterThan(0.9);
      const again = await evaluateModel({ space, dataset, model: withAux.model, batchSize: 16 });
      expect(again).toEqual({ split: 'train', examples: 64, metrics: withAux.test });
    } finally {
      plain.model.dispose();
      withAux.model.dispose();
    }
  });

  it('schedules the drop-path probability linearly from 0 to its final value', async () => {
    const calls: number[] = [];
    const result = await retrain({
      space: spaceWithModels(calls),
      dataset: syntheticDataset(64),
      architecture,
      config: { epochs: 2, batchSize: 16, dropPath: 0.3 },
    });
    result.model.dispose();
    expect(calls).toHaveLength(8);
    calls.forEach((p, i) => expect(p).toBeCloseTo((0.3 * i) / 7, 12));
  });

  it('names the option a space without buildTrainingModel cannot serve, and bad values', async () => {
    const { buildTrainingModel: _, ...space } = spaceWithModels();
    await expect(retrain({ space, dataset: syntheticDataset(32), architecture, config: { dropPath: 0.2 } })).rejects.toThrow(
      /config.dropPath: search space 'tiny' has no buildTrainingModel/,
    );
    await expect(retrain({ space, dataset: syntheticDataset(32), architecture, config: { dropPath: 1 } })).rejects.toThrow(
      /config.dropPath: expected a probability in \[0, 1\), got 1/,
    );
    await expect(retrain({ space, dataset: syntheticDataset(32), architecture, config: { auxiliaryWeight: -1 } })).rejects.toThrow(
      /config.auxiliaryWeight: expected a number >= 0/,
    );
  });

  it('leaves no tensor behind once its model is disposed', async () => {
    const space = spaceWithModels();
    const dataset = syntheticDataset(32);
    const config = { epochs: 1, batchSize: 16, auxiliaryWeight: 0.4, dropPath: 0.2, optimizer: 'adam' as const };
    (await retrain({ space, dataset, architecture, config })).model.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (await retrain({ space, dataset, architecture, config })).model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('saveModelAtomically', () => {
  it('replaces a saved model by a new one, leaving no temporary directory, and loads back with equal outputs', async () => {
    const root = mkdtempSync(join(tmpdir(), 'asng-save-'));
    dirs.push(root);
    const dir = join(root, 'model');
    const space = spaceWithModels();
    const task = { inputShape: [4, 4, 1] as const, classes: 2 };
    const { Rng } = await import('@asng/core');
    const first = space.buildModel(architecture, task, new Rng(1));
    const second = space.buildModel(architecture, task, new Rng(2));
    const x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 4);
    try {
      await saveModelAtomically(first, dir);
      await saveModelAtomically(second, dir);
      expect(readdirSync(root)).toEqual(['model']);
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
      const [a, b] = [second.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      expect(Array.from(b.dataSync())).not.toEqual(Array.from((first.predict(x) as tf.Tensor).dataSync()));
      loaded.dispose();
    } finally {
      first.dispose();
      second.dispose();
      x.dispose();
    }
    expect(existsSync(`${dir}.tmp-${process.pid}`)).toBe(false);
  });
});

describe('largestWidthWithin', () => {
  const count = (w: number) => 3 * w * w + 10 * w + 7;
  it('finds the largest multiple of the step within the budget', () => {
    for (const budget of [40, 100, 1234, 4e6, 4e6 + 1]) {
      const w = largestWidthWithin({ budget, parameters: count });
      expect(count(w)).toBeLessThanOrEqual(budget);
      expect(count(w + 1)).toBeGreaterThan(budget);
      const even = largestWidthWithin({ budget, parameters: count, step: 2 });
      expect(even % 2).toBe(0);
      expect(count(even)).toBeLessThanOrEqual(budget);
      expect(count(even + 2)).toBeGreaterThan(budget);
    }
    expect(largestWidthWithin({ budget: 1e9, parameters: count, maxWidth: 100 })).toBe(100);
    expect(largestWidthWithin({ budget: 1000, parameters: count, step: 4, minWidth: 8 })).toBe(16);
  });
  it('refuses a budget that even the smallest width exceeds', () => {
    expect(() => largestWidthWithin({ budget: 10, parameters: count })).toThrow(/even width 1 has 20 parameters, over the budget of 10/);
  });
});
