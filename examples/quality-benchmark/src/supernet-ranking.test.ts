import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '@asng/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClassificationQuality, type ClassificationSettings } from './classification.js';
import { kendallTau, rankInSupernet, recordedArchitectures, spearmanRho } from './supernet-ranking.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-supernet-ranking-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rank correlations', () => {
  it("Kendall's tau and Spearman's rho: 1 for the same order, -1 reversed, ties handled", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // 5 concordant, 1 discordant pair.
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(2 * 3), 12);
    expect(spearmanRho([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearmanRho([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(spearmanRho([5, 5, 5], [1, 2, 3])).toBeNaN();
    expect(() => kendallTau([1], [1, 2])).toThrow(/lists of 1 and 2/);
  });
});

/** 8x8 grey images of 2 classes: a bright bar, horizontal or vertical. */
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

describe('rankInSupernet', () => {
  it("evaluates each recorded architecture with a finished search's weights and correlates", async () => {
    const settings: ClassificationSettings = {
      dataset: 'fashion-mnist-subset',
      search: { cells: 3, channels: 4, steps: 4, warmupSteps: 2, batchSize: 4, learningRate: 0.05, parameterBudget: 3000 },
      retrain: { cells: 3, parameterBudget: 6000, epochs: 1, batchSize: 4, learningRate: 0.05, maxExamples: 8, crop: 0, flip: false },
    };
    const runDir = join(dir, 'run');
    const quality = await runClassificationQuality({ runDir, seeds: [1], random: 3, log: () => undefined }, settings, 'smoke', bars(16, 6));
    const file = join(dir, 'quality.json');
    writeFileSync(file, JSON.stringify(quality));
    const recorded = recordedArchitectures([file, file]);
    expect(recorded).toHaveLength(4);
    const before = tf.memory().numTensors;
    const result = await rankInSupernet({ settings, searchDir: join(runDir, 'search-seed1'), dataset: bars(16, 6), recorded, examples: 6, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.step).toBe(4);
    expect(result.rows.map((r) => r.retrained)).toEqual([quality.found[0]!.metric, ...quality.random.map((r) => r.metric)]);
    for (const r of result.rows) expect(r.supernet * 6).toBeCloseTo(Math.round(r.supernet * 6), 9);
    expect(result.kendall).toBe(
      kendallTau(
        result.rows.map((r) => r.supernet),
        result.rows.map((r) => r.retrained),
      ),
    );

    // Fine-tuning each architecture alone: the supernet's weights are restored after each, so an
    // architecture scores the same after another one was fine-tuned as alone; nothing leaks.
    const common = { settings, searchDir: join(runDir, 'search-seed1'), dataset: bars(16, 200), examples: 200, batchSize: 50 };
    const fineTune = { steps: 4, batchSize: 4, learningRate: 0.5 };
    const first = recorded[0]!;
    const beforeTuning = tf.memory().numTensors;
    const twice = await rankInSupernet({ ...common, recorded: [first, first], fineTune });
    const plain = await rankInSupernet({ ...common, recorded: [first] });
    expect(tf.memory().numTensors).toBe(beforeTuning);
    expect(twice.rows[1]!.supernet).toBe(twice.rows[0]!.supernet);
    // The fine-tuning changed what the architecture predicts.
    expect(twice.rows[0]!.supernet).not.toBe(plain.rows[0]!.supernet);
  }, 120_000);

  it('lists the retrained finalists too, each architecture once', () => {
    const file = join(dir, 'finalists.json');
    const a = { op: 'a' };
    const b = { op: 'b' };
    const c = { op: 'c' };
    writeFileSync(
      file,
      JSON.stringify({
        task: 'classification',
        // The found network is finalist 2; finalist 3 was not retrained (no test figure).
        found: [{ metric: 0.8, architecture: b, finalists: [{ test: 0.7, architecture: a }, { test: 0.8, architecture: b }, { architecture: c }] }],
        random: [{ metric: 0.6, architecture: c, index: 0 }],
      }),
    );
    expect(recordedArchitectures([file]).map((r) => [r.label, r.retrained, r.architecture])).toEqual([
      ['finalists.json found', 0.8, b],
      ['finalists.json finalist 1', 0.7, a],
      ['finalists.json random 1', 0.6, c],
    ]);
  });

  it('names the file and the field of a bad result file', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ task: 'classification', found: [{ metric: 'x' }], random: [] }));
    expect(() => recordedArchitectures([file])).toThrow(`${file}: field "found[0]": expected {metric: number, architecture: object}`);
    writeFileSync(file, JSON.stringify({ task: 'classification', found: [{ metric: 0.5, architecture: {}, finalists: [{ test: '0.9' }] }], random: [] }));
    expect(() => recordedArchitectures([file])).toThrow(`${file}: field "found[0].finalists[0]": expected {test: number, architecture: object}`);
    writeFileSync(file, JSON.stringify({ task: 'inpainting' }));
    expect(() => recordedArchitectures([file])).toThrow(`${file}: field "task": expected "classification"`);
  });
});
