import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { drawnArchitectures, likeliestArchitectures, Rng, type Architecture, type Dataset, type VariableBelief } from '@asng/core';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFICATION_BUDGETS, runClassificationQuality, type ClassificationQuality, type ClassificationSettings } from './classification.js';
import { FINALIST_SEED_OFFSET, rankAmong, stats } from './protocol.js';
import { kendallTau } from './supernet-ranking.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-quality-classification-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 8x8 grey images of 2 classes: a bright bar, horizontal or vertical, at a position that depends on the index. */
function bars(train: number, test: number): Dataset {
  const side = 8;
  const image = (k: number) => Uint8Array.from({ length: side * side }, (_, i) => ((k % 2 === 0 ? i % side : Math.floor(i / side)) === 2 + (k % 4) ? 230 : 20));
  const split = (offset: number, size: number) => ({
    size,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * side * side);
      for (let j = 0; j < indices.length; j++) out.set(image(offset + indices[j]!), j * side * side);
      return { count: indices.length, shape: [side, side, 1] as const, images: out, labels: Int32Array.from(indices, (i) => (offset + i) % 2) };
    },
  });
  return {
    info: { name: 'bars', shape: [side, side, 1], classes: 2, splits: { train, test }, source: 'generated' },
    split: (name) => (name === 'train' ? split(0, train) : split(1000, test)),
  };
}

const SETTINGS: ClassificationSettings = {
  dataset: 'fashion-mnist-subset',
  search: { cells: 3, channels: 2, steps: 4, warmupSteps: 2, batchSize: 4, learningRate: 0.05 },
  retrain: { cells: 3, parameterBudget: 20000, epochs: 1, batchSize: 4, learningRate: 0.05, maxExamples: 8, crop: 1, flip: true },
};

describe('runClassificationQuality', () => {
  const runDir = join(dir, 'run');
  const lines: string[] = [];
  let first: ClassificationQuality;

  beforeAll(async () => {
    first = await runClassificationQuality({ runDir, seeds: [1, 2], random: 2, log: (l) => lines.push(l) }, SETTINGS, 'smoke', bars(16, 6));
  }, 120_000);

  it('compares each search with K random architectures retrained at the same budget and tested on the whole test split', () => {
    expect(first.found.map((f) => f.seed)).toEqual([1, 2]);
    expect(first.random.map((r) => [r.seed, r.index])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(first.testExamples).toBe(6);
    for (const x of [...first.found, ...first.random]) {
      expect(x.parameters).toBeLessThanOrEqual(20000);
      // The widest network within the budget: two more channels would not fit.
      const task = { inputShape: [8, 8, 1] as const, classes: 2 };
      expect(createImageClassificationSpace({ cells: 3, channels: x.channels + 2 }).countParameters(x.architecture, task)).toBeGreaterThan(20000);
      expect(x.metric * 6).toBeCloseTo(Math.round(x.metric * 6), 9);
    }
    const { mean, std, max } = stats(first.random.map((r) => r.metric));
    expect([first.randomMean, first.randomStd, first.randomMax]).toEqual([mean, std, max]);
    expect(first.foundRank).toEqual(
      first.found.map((f) =>
        rankAmong(
          f.metric,
          first.random.map((r) => r.metric),
        ),
      ),
    );
    expect(first.found.every((f) => f.convergence > 0 && f.convergence <= 1 && f.searchSteps === 4)).toBe(true);
    // Random architectures differ between seeds.
    expect(first.random[0]!.architecture).not.toEqual(first.random[2]!.architecture);
  });

  it('resumes from its pieces: a second run computes nothing and gives the same figures', async () => {
    const piece = join(runDir, 'pieces', 'random-seed2-1.json');
    const mtime = statSync(piece).mtimeMs;
    const again: string[] = [];
    const before = tf.memory().numTensors;
    const second = await runClassificationQuality({ runDir, seeds: [1, 2], random: 2, log: (l) => again.push(l) }, SETTINGS, 'smoke', bars(16, 6));
    expect(second).toEqual(first);
    expect(statSync(piece).mtimeMs).toBe(mtime);
    expect(again.filter((l) => / epoch | search step /.test(l))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with two retraining seeds, reuses the first retrainings, retrains each network once more with seed S+1000, and reports the means', async () => {
    const again: string[] = [];
    const two = await runClassificationQuality(
      { runDir, seeds: [1, 2], random: 2, retrainSeeds: 2, log: (l) => again.push(l) },
      SETTINGS,
      'smoke',
      bars(16, 6),
    );
    // One new retraining per network (2 found + 4 random), the searches and first retrainings reused.
    expect(again.filter((l) => / parameters$/.test(l))).toHaveLength(6);
    expect(again.filter((l) => / parameters$/.test(l)).every((l) => /, retraining seed 100[12]: /.test(l))).toBe(true);
    for (const [i, x] of [...two.found, ...two.random].entries()) {
      const once = [...first.found, ...first.random][i]!;
      expect(x.retrains).toHaveLength(2);
      expect(x.retrains![0]).toBe(once.metric);
      expect(x.metric).toBeCloseTo((x.retrains![0]! + x.retrains![1]!) / 2, 12);
      expect(x.parameters).toBe(once.parameters);
    }
    expect(two.randomMean).toBeCloseTo(stats(two.random.map((r) => r.metric)).mean, 12);
    expect(two.foundRank).toEqual(
      two.found.map((f) =>
        rankAmong(
          f.metric,
          two.random.map((r) => r.metric),
        ),
      ),
    );
  });

  it('runs a budget-width search (each architecture as wide as fits the search budget in a wider supernet)', async () => {
    const settings = { ...SETTINGS, search: { ...SETTINGS.search, channels: 6, parameterBudget: 4000 } };
    const log: string[] = [];
    const result = await runClassificationQuality(
      { runDir: join(dir, 'budget-width'), seeds: [3], random: 0, log: (l) => log.push(l) },
      settings,
      'smoke',
      bars(16, 6),
    );
    expect(result.found).toHaveLength(1);
    expect(result.found[0]!.searchSteps).toBe(4);
    expect(result.found[0]!.parameters).toBeLessThanOrEqual(20000);
    expect(result.settings.search.parameterBudget).toBe(4000);
    expect(log.some((l) => / search step /.test(l))).toBe(true);
  }, 60_000);

  it('runs a search whose weights freeze after the warm-up', async () => {
    const settings = { ...SETTINGS, search: { ...SETTINGS.search, freezeWeightsAfterWarmup: true } };
    const log: string[] = [];
    const result = await runClassificationQuality(
      { runDir: join(dir, 'frozen'), seeds: [4], random: 0, log: (l) => log.push(l) },
      settings,
      'smoke',
      bars(16, 6),
    );
    expect(result.found[0]!.searchSteps).toBe(4);
    expect(result.settings.search.freezeWeightsAfterWarmup).toBe(true);
  }, 60_000);

  it("selects among the final distribution's likeliest architectures by their accuracy on held-out training images", async () => {
    const settings = { ...SETTINGS, search: { ...SETTINGS.search, finalists: 3, finalistExamples: 8, finalistHoldOut: 6 } };
    const log: string[] = [];
    const runDir = join(dir, 'finalists');
    const result = await runClassificationQuality({ runDir, seeds: [5], random: 0, log: (l) => log.push(l) }, settings, 'smoke', bars(24, 6));
    const f = result.found[0]!;
    const finalists = f.finalists!;
    expect(finalists).toHaveLength(3);
    expect(new Set(finalists.map((x) => JSON.stringify(x.architecture))).size).toBe(3);
    for (let i = 1; i < finalists.length; i++) expect(finalists[i]!.probability).toBeLessThanOrEqual(finalists[i - 1]!.probability);
    const accuracies = finalists.map((x) => x.accuracy);
    expect(accuracies[f.selected!]).toBe(Math.max(...accuracies));
    expect(accuracies.indexOf(Math.max(...accuracies))).toBe(f.selected);
    expect(f.architecture).toEqual(finalists[f.selected!]!.architecture);
    expect(readdirSync(join(runDir, 'pieces')).filter((n) => n.startsWith('finalist-'))).toHaveLength(3);
    const piece = JSON.parse(readFileSync(join(runDir, 'pieces', 'finalist-seed5-0.json'), 'utf8')) as { seed: number };
    expect(piece.seed).toBe(5 + FINALIST_SEED_OFFSET);
    expect(
      log.filter((l) => /finalist \d\/3 .*training on the first 8 images, scoring on the last 6 of the training split\): held-out accuracy/.test(l)),
    ).toHaveLength(3);
    // Resumed: nothing trained again.
    const again: string[] = [];
    const second = await runClassificationQuality({ runDir, seeds: [5], random: 0, log: (l) => again.push(l) }, settings, 'smoke', bars(24, 6));
    expect(second.found).toEqual(result.found);
    expect(again.filter((l) => /accuracy/.test(l) && !/selected/.test(l))).toEqual([]);
  }, 60_000);

  it('with finalistDraw drawn, selects among the mode and architectures drawn from the final distribution', async () => {
    const settings = { ...SETTINGS, search: { ...SETTINGS.search, finalists: 3, finalistDraw: 'drawn' as const, finalistExamples: 8, finalistHoldOut: 6 } };
    const runDir = join(dir, 'finalists-drawn');
    const result = await runClassificationQuality({ runDir, seeds: [5], random: 0, log: () => {}, retrainFinalists: true }, settings, 'smoke', bars(24, 6));
    const f = result.found[0]!;
    // Every finalist retrained as the found one: the selected one's figure is the found network's.
    expect(f.finalists!.every((x) => typeof x.test === 'number')).toBe(true);
    expect(f.finalists![f.selected!]!.test).toBe(f.metric);
    expect(readdirSync(join(runDir, 'pieces')).filter((n) => n.startsWith('finalist-retrain-'))).toHaveLength(2);
    const heldOut = f.finalists!.map((x) => x.accuracy);
    const tests = f.finalists!.map((x) => x.test!);
    const tau = kendallTau(heldOut, tests);
    expect(f.selectionKendall).toBe(Number.isFinite(tau) ? tau : null);
    const search = JSON.parse(readFileSync(join(runDir, 'pieces', 'search-seed5.json'), 'utf8')) as { best: Architecture; beliefs: VariableBelief[] };
    const expected = drawnArchitectures(search.beliefs, search.best, 3, new Rng(5 + FINALIST_SEED_OFFSET).fork());
    expect(f.finalists!.map((x) => x.architecture)).toEqual(expected.map((x) => x.architecture));
    expect(f.finalists![0]!.architecture).toEqual(search.best);
    // Drawn, not enumerated: not the likeliest list (the mode's neighbours).
    expect(f.finalists!.map((x) => x.architecture)).not.toEqual(likeliestArchitectures(search.beliefs, search.best, 3).map((x) => x.architecture));
    const accuracies = f.finalists!.map((x) => x.accuracy);
    expect(accuracies.indexOf(Math.max(...accuracies))).toBe(f.selected);
    expect(result.settings.search.finalistDraw).toBe('drawn');
  }, 60_000);

  it('budgets: the standard and best budgets use the full dataset and the same search', () => {
    expect(CLASSIFICATION_BUDGETS.standard.dataset).toBe('fashion-mnist');
    expect(CLASSIFICATION_BUDGETS.best.search).toEqual(CLASSIFICATION_BUDGETS.standard.search);
    expect(CLASSIFICATION_BUDGETS.best.retrain.parameterBudget).toBeGreaterThan(CLASSIFICATION_BUDGETS.standard.retrain.parameterBudget);
  });
});
