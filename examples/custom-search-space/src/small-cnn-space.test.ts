import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { runSearch } from '@asng/engine';
import { describeSearchSpace } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { orientationDataset } from './orientation-dataset.js';
import { createSmallCnnSpace } from './small-cnn-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeSearchSpace('small-cnn', () => createSmallCnnSpace(), { task: { inputShape: [8, 8, 1], classes: 3 } });
describeSearchSpace('small-cnn, one layer, RGB', () => createSmallCnnSpace({ maxDepth: 1, channels: [2, 6] }), { task: { inputShape: [6, 6, 3], classes: 2 } });

describe('searching the small CNN space with the engine', () => {
  it('finds the known answer of the orientation problem: a 3x3 or 5x5 kernel and a non-linearity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-custom-'));
    try {
      const result = await runSearch({
        space: createSmallCnnSpace({ maxDepth: 1, channels: [4, 8] }),
        dataset: orientationDataset(),
        runDir: dir,
        config: { seed: 3, batchSize: 16, epochs: 40, learningRate: 0.1, weightDecay: 0, evaluationBatches: 8 },
      });
      expect(result.status).toBe('completed');
      expect(result.best.kernel0).not.toBe(1);
      expect(result.best.activation).not.toBe('linear');
      expect(result.metrics.accuracy).toBeGreaterThan(0.9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates its options', () => {
    expect(() => createSmallCnnSpace({ maxDepth: 0 })).toThrow(/maxDepth: expected an integer >= 1, got 0/);
    expect(() => createSmallCnnSpace({ channels: [8, 8] })).toThrow(/channels: expected integers \[min, max\] with 1 <= min < max, got \[8, 8\]/);
  });
});
