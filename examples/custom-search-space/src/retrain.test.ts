import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { retrain } from '@asng/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { orientationDataset } from './orientation-dataset.js';
import { createSmallCnnSpace } from './small-cnn-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('retraining a found architecture from scratch', () => {
  const space = createSmallCnnSpace({ maxDepth: 1, channels: [4, 8] });
  const config = { seed: 2, epochs: 12, batchSize: 16, learningRate: 0.1, weightDecay: 0 };

  it('learns the orientation problem with the known answer, not with a 1x1 linear network, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const good = await retrain({
      space,
      dataset: orientationDataset(),
      architecture: { channels: 8, kernel0: 3, activation: 'relu', pool: 'max' },
      config,
      onEpoch: (e) => epochs.push(e.trainLoss),
    });
    expect(good.epochs).toBe(12);
    expect(epochs).toHaveLength(12);
    expect(epochs.at(-1)!).toBeLessThan(epochs[0]!);
    expect(good.test.accuracy).toBeGreaterThan(0.9);
    expect(good.parameters).toBe(3 * 3 * 1 * 8 + 8 + 8 * 2 + 2);
    good.model.dispose();
    const bad = await retrain({ space, dataset: orientationDataset(), architecture: { channels: 8, kernel0: 1, activation: 'linear', pool: 'avg' }, config });
    expect(bad.test.accuracy).toBeLessThan(0.7);
    bad.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a bad setting', async () => {
    await expect(
      retrain({ space, dataset: orientationDataset(), architecture: { channels: 8, kernel0: 3, activation: 'relu', pool: 'max' }, config: { epochs: 0 } }),
    ).rejects.toThrow(/config.epochs: expected an integer >= 1, got 0/);
  });
});
