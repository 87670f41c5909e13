import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '@asng/cli';
import { Rng, taskFor, type CategoricalVariable } from '@asng/core';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCompareArgs } from './compare-args.js';
import { compare, randomCellArchitecture } from './compare.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the comparison of the found architecture with a random one', () => {
  it('searches the embedded subset and retrains both with the same budget (tiny)', async () => {
    const { settings } = parseCompareArgs([
      '--search-steps',
      '2',
      '--search-examples',
      '32',
      '--search-batch-size',
      '8',
      '--search-cells',
      '1',
      '--search-channels',
      '2',
      '--cells',
      '2',
      '--retrain-examples',
      '16',
      '--retrain-batch-size',
      '8',
      '--test-examples',
      '16',
      '--param-budget',
      '3000',
    ]);
    const dataset = await fashionMnistSubset.load({});
    const lines: string[] = [];
    const result = await compare(dataset, settings, dir, (line) => lines.push(line));
    expect(result.dataset).toBe('fashion-mnist-subset');
    expect(result.search.steps).toBe(2);
    for (const r of [result.found, result.random]) {
      expect(r.parameters).toBeLessThanOrEqual(3000);
      const count = (c: number) => {
        const space = createImageClassificationSpace({ cells: 2, channels: c });
        return space.countParameters(r.architecture, taskFor(space, dataset.info));
      };
      expect(r.parameters).toBe(count(r.channels));
      expect(count(r.channels + 2)).toBeGreaterThan(3000);
      expect(r.testExamples).toBe(16);
      expect(r.test.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.test.accuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.test.loss)).toBe(true);
    }
    expect(result.random.architecture).not.toEqual(result.found.architecture);
    expect(readdirSync(dir).sort()).toEqual(['found-model', 'random-model', 'search']);
    expect(lines.some((l) => l.startsWith('retrain random epoch 1/1'))).toBe(true);
  });

  it('draws the random architecture from its own seed', () => {
    const variables = createImageClassificationSpace().variables as CategoricalVariable[];
    const a = randomCellArchitecture(variables, new Rng(2));
    expect(randomCellArchitecture(variables, new Rng(2))).toEqual(a);
    expect(randomCellArchitecture(variables, new Rng(3))).not.toEqual(a);
    expect(Object.keys(a)).toHaveLength(40);
  });

  it('fills the defaults and names bad options', () => {
    const parsed = parseCompareArgs(['--dataset', 'fashion-mnist', '--retrain-epochs', '30', '--json']);
    expect(parsed).toMatchObject({
      dataset: 'fashion-mnist',
      json: true,
      backend: 'auto',
      settings: { retrainEpochs: 30, searchEpochs: 1, cells: 3, optimizer: 'sgd', schedule: 'cosine' },
    });
    expect(() => parseCompareArgs(['--dataset', 'mnist'])).toThrow(/--dataset: expected one of fashion-mnist-subset, fashion-mnist, got "mnist"/);
    expect(() => parseCompareArgs(['--drop-path', '1.5'])).toThrow(UsageError);
    expect(() => parseCompareArgs(['--frobnicate'])).toThrow(/unknown option --frobnicate for 'compare'/);
  });
});
