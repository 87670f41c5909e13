import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@asng/core';
import { padDataset } from '@asng/data';
import { readRestorations } from '@asng/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskResults, type ResultsSettings } from './results.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-inpainting-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 12x12 grey images with labels: a bright square at a position that depends on the index. */
function squares(train: number, test: number): Dataset {
  const image = (k: number) =>
    Uint8Array.from({ length: 144 }, (_, i) => (Math.abs((i % 12) - (k % 8)) < 3 && Math.abs(Math.floor(i / 12) - (k % 5) - 3) < 3 ? 220 : 10));
  const split = (offset: number, size: number) => ({
    size,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * 144);
      for (let j = 0; j < indices.length; j++) out.set(image(offset + indices[j]!), j * 144);
      return { count: indices.length, shape: [12, 12, 1] as const, images: out, labels: Int32Array.from(indices, (i) => i % 3) };
    },
  });
  return {
    info: { name: 'squares', shape: [12, 12, 1], classes: 3, splits: { train, test }, source: 'generated' },
    split: (name) => (name === 'train' ? split(0, train) : split(100, test)),
  };
}

describe('maskResults', () => {
  it('searches, retrains, trains the hand-written baseline and scores all four methods on the same holes', async () => {
    const settings: ResultsSettings = {
      masks: ['center'],
      encoding: 'mixed',
      nodes: 4,
      levelBack: 2,
      channels: [2, 6],
      seed: 3,
      batchSize: 4,
      maxExamples: 16,
      testImages: 6,
      searchEpochs: 1,
      searchSteps: 2,
      searchOptimizer: 'adam',
      searchLearningRate: 0.001,
      retrainEpochs: 1,
      retrainLearningRate: 0.001,
      decayFactor: 0.1,
      weightDecay: 0,
    };
    const lines: string[] = [];
    const runDir = join(dir, 'center');
    const result = await maskResults(padDataset(squares(16, 8), 16, 16), 'center', settings, runDir, (l) => lines.push(l));
    expect(result.testImages).toBe(6);
    for (const method of [result.searched, result.handWritten, result.meanFill, result.corrupted]) {
      expect(Number.isFinite(method.psnr)).toBe(true);
      expect(method.ssim).toBeGreaterThan(-1);
      expect(method.ssim).toBeLessThanOrEqual(1);
      expect(method.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(result.searched.parameters).toBeGreaterThan(0);
    expect(result.handWritten.parameters).toBeGreaterThan(0);
    expect(result.meanFill.parameters).toBe(0);
    // Mean fill beats leaving the square hole black on these bright-on-dark images.
    expect(result.meanFill.psnr).toBeGreaterThan(result.corrupted.psnr);
    expect(readRestorations(runDir).map((s) => s.source)).toEqual(['search', 'retrain', 'hand-written', 'mean-fill']);
    expect(lines.some((l) => l.includes('hand-written autoencoder:'))).toBe(true);
  });
});
