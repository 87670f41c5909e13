import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { categorical, integer } from '@asng/core';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { afterEach, describe, expect, it } from 'vitest';
import { isRandomPiece, PieceStore, pinSettings, randomArchitectures, rankAmong, reusablePieceDir, stats } from './protocol.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'asng-quality-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('statistics', () => {
  it('mean, population std and max; NaN when empty', () => {
    expect(stats([0.8, 0.9, 1.0])).toEqual({ mean: expect.closeTo(0.9, 12), std: expect.closeTo(Math.sqrt(0.02 / 3), 12), max: 1 });
    const empty = stats([]);
    expect([empty.mean, empty.std, empty.max].every(Number.isNaN)).toBe(true);
  });

  it('ranks 1 for the best, ties sharing the better rank, in either direction', () => {
    expect(rankAmong(0.9, [0.8, 0.85])).toBe(1);
    expect(rankAmong(0.9, [0.95, 0.9, 0.8])).toBe(2);
    expect(rankAmong(0.1, [0.2, 0.05], false)).toBe(2);
  });
});

describe('randomArchitectures', () => {
  const variables = [categorical('op', ['a', 'b', 'c']), integer('width', 1, 4)];

  it('draws each variable uniformly from a stream of the seed alone', () => {
    const a = randomArchitectures(variables, 3, 400);
    expect(randomArchitectures(variables, 3, 400)).toEqual(a);
    expect(randomArchitectures(variables, 4, 400)).not.toEqual(a);
    // The first architectures do not depend on how many are drawn.
    expect(randomArchitectures(variables, 3, 2)).toEqual(a.slice(0, 2));
    for (const choice of ['a', 'b', 'c']) expect(a.filter((x) => x.op === choice).length).toBeGreaterThan(100);
    for (const w of [1, 2, 3, 4]) expect(a.filter((x) => x.width === w).length).toBeGreaterThan(70);
  });

  it('draws the very random networks of the recorded results (results/*.json)', () => {
    const space = createImageClassificationSpace({ cells: 3, channels: 8 });
    for (const [file, seed] of [
      ['classification-standard-penalty0.25-seed1.json', 1],
      ['classification-standard-seed2.json', 2],
    ] as const) {
      const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'results', file), 'utf8')) as { random: { architecture: unknown }[] };
      expect(randomArchitectures(space.variables, seed, recorded.random.length)).toEqual(recorded.random.map((r) => r.architecture));
    }
  });
});

describe('PieceStore', () => {
  it('computes once, then reads back what was stored', async () => {
    const store = new PieceStore(join(tempDir(), 'pieces'));
    let calls = 0;
    const compute = async () => ({ value: ++calls });
    expect(await store.get('a', compute)).toEqual({ value: 1 });
    expect(await store.get('a', compute)).toEqual({ value: 1 });
    expect(calls).toBe(1);
    expect(readdirSync(store.dir)).toEqual(['a.json']);
  });

  it('stores nothing when the computation fails, and names a damaged piece', async () => {
    const store = new PieceStore(join(tempDir(), 'pieces'));
    await expect(store.get('b', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(store.dir, 'b.json'))).toBe(false);
    writeFileSync(join(store.dir, 'c.json'), '{"value": ');
    await expect(store.get('c', async () => 1)).rejects.toThrow(`${join(store.dir, 'c.json')}: not valid JSON`);
  });
});

describe('pinSettings', () => {
  it('records the settings, accepts the same again, refuses others', () => {
    const dir = tempDir();
    pinSettings(dir, { budget: 'smoke', seeds: [1] });
    pinSettings(dir, { budget: 'smoke', seeds: [1] });
    expect(() => pinSettings(dir, { budget: 'smoke', seeds: [2] })).toThrow(/settings.json: this run directory was started with other settings/);
  });
});

describe('reusing the random retrainings of another run', () => {
  const pinned = (search: Record<string, unknown>, retrainEpochs = 2) => ({
    task: 'classification',
    budget: 'standard',
    seeds: [2],
    random: 5,
    settings: { dataset: 'fashion-mnist', search: { cells: 3, channels: 8, ...search }, retrain: { epochs: retrainEpochs } },
  });

  it('accepts a run that differs only in the search schedule, and the store takes its random and hand-written pieces only', async () => {
    const other = tempDir();
    pinSettings(other, pinned({ steps: 4000, warmupSteps: 1000 }));
    const otherPieces = join(other, 'pieces');
    const otherStore = new PieceStore(otherPieces);
    await otherStore.get('random-seed2-0', async () => ({ metric: 0.9 }));
    await otherStore.get('found-seed2', async () => ({ metric: 0.8 }));
    await otherStore.get('hand-written-seed2-center', async () => ({ metric: 0.7 }));

    const dir = reusablePieceDir(pinned({ steps: 4000, warmupSteps: 0 }), other);
    expect(dir).toBe(otherPieces);
    // A budget-width search in a wider supernet draws the same random architectures.
    expect(reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000, channels: 20, parameterBudget: 30000 }), other)).toBe(otherPieces);
    expect(reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000, supernetChannels: 48, parameterBudget: 40000 }), other)).toBe(otherPieces);
    // So does a search with a larger ASNG population.
    expect(reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000, lambda: 4 }), other)).toBe(otherPieces);
    const own = tempDir();
    const store = new PieceStore(join(own, 'pieces'), { dir, names: isRandomPiece });
    let computed = 0;
    const compute = async () => {
      computed++;
      return { metric: 0.5 };
    };
    expect(await store.get('random-seed2-0', compute)).toEqual({ metric: 0.9 });
    expect(existsSync(join(own, 'pieces', 'random-seed2-0.json'))).toBe(true);
    expect(await store.get('found-seed2', compute)).toEqual({ metric: 0.5 });
    expect(await store.get('hand-written-seed2-center', compute)).toEqual({ metric: 0.7 });
    expect(await store.get('random-seed2-1', compute)).toEqual({ metric: 0.5 });
    expect(computed).toBe(2);
  });

  it('refuses a run of another space or retraining, and a directory that is no run, naming it', () => {
    const other = tempDir();
    pinSettings(other, pinned({ steps: 4000, warmupSteps: 1000 }));
    expect(() => reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000, cells: 5 }), other)).toThrow(/--reuse-random .*settings .*differ/);
    expect(() => reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000 }, 3), other)).toThrow(/not comparable/);
    const empty = tempDir();
    expect(() => reusablePieceDir(pinned({}), empty)).toThrow(new RegExp(`--reuse-random ${empty}: no settings.json`));
  });

  it('accepts an inpainting run of fewer masks (its pieces are per mask)', () => {
    const other = tempDir();
    const inpainting = (masks: string[]) => ({
      ...pinned({ steps: 1500 }),
      task: 'inpainting',
      settings: { masks, search: { steps: 1500 }, retrain: { epochs: 1 } },
    });
    pinSettings(other, inpainting(['center', 'random-pixel', 'random-half']));
    expect(reusablePieceDir(inpainting(['center']), other)).toBe(join(other, 'pieces'));
  });

  it('takes them from a results file (quality.json) too, writing its random entries as pieces of this run', async () => {
    const results = join(tempDir(), 'quality.json');
    const architecture = { 'normal.node0.op1': 'identity' };
    const random = [0, 1].map((index) => ({ seed: 2, index, metric: 0.9 + index / 100, parameters: 50000, architecture }));
    writeFileSync(results, JSON.stringify({ ...pinned({ steps: 4000, warmupSteps: 3000 }), random }));
    const own = tempDir();
    const dir = reusablePieceDir(pinned({ steps: 6000, warmupSteps: 2000 }), results, own);
    expect(dir).toBe(join(own, 'reused-random'));
    const store = new PieceStore(join(own, 'pieces'), { dir, names: isRandomPiece });
    const compute = async () => ({ metric: 0.5 });
    expect(await store.get('random-seed2-1', compute)).toEqual({ seed: 2, metric: 0.91, parameters: 50000, architecture });
    expect(await store.get('random-seed2-2', compute)).toEqual({ metric: 0.5 });

    expect(() => reusablePieceDir(pinned({ steps: 4000, warmupSteps: 1000 }, 3), results, own)).toThrow(/not comparable/);
    writeFileSync(results, JSON.stringify({ ...pinned({}), random: [{ seed: 2, index: 0, metric: 'high' }] }));
    expect(() => reusablePieceDir(pinned({}), results, own)).toThrow(/field "random\[0\]": expected/);
    writeFileSync(results, JSON.stringify({ ...pinned({}), task: 'inpainting' }));
    expect(() => reusablePieceDir({ ...pinned({}), task: 'inpainting' }, results, own)).toThrow(
      `--reuse-random ${results}: field "random": expected a list of retrained networks' figures`,
    );
  });
});
