import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, TaskSpec } from '@asng/core';
import { createInpaintingSpace, planParameterCount } from '@asng/space-inpainting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INPAINTING_BUDGETS,
  inpaintingGridsHtml,
  inpaintingTables,
  runInpaintingQuality,
  scaledToBudget,
  type InpaintingQuality,
  type InpaintingSettings,
} from './inpainting.js';
import { FINALIST_SEED_OFFSET, randomArchitectures, rankAmong, reusablePieceDir, stats } from './protocol.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-quality-inpainting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 14x14 grey images (padded to 16x16 by the run): a bright square at a position that depends on the index. */
function squares(train: number, test: number): Dataset {
  const side = 14;
  const image = (k: number) =>
    Uint8Array.from({ length: side * side }, (_, i) => (Math.abs((i % side) - 3 - (k % 8)) < 3 && Math.abs(Math.floor(i / side) - (k % 5) - 4) < 3 ? 220 : 10));
  const split = (offset: number, size: number) => ({
    size,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * side * side);
      for (let j = 0; j < indices.length; j++) out.set(image(offset + indices[j]!), j * side * side);
      return { count: indices.length, shape: [side, side, 1] as const, images: out, labels: Int32Array.from(indices, (i) => i % 3) };
    },
  });
  return {
    info: { name: 'squares', shape: [side, side, 1], classes: 3, splits: { train, test }, source: 'generated' },
    split: (name) => (name === 'train' ? split(0, train) : split(100, test)),
  };
}

const SETTINGS: InpaintingSettings = {
  masks: ['center', 'random-pixel'],
  encoding: 'mixed',
  nodes: 4,
  levelBack: 2,
  channels: [2, 4],
  search: { steps: 3, warmupSteps: 1, batchSize: 4, learningRate: 0.001, optimizer: 'adam', weightDecay: 0, maxExamples: 16 },
  retrain: { parameterBudget: 600, epochs: 1, learningRate: 0.001, decayFactor: 0.1, batchSize: 4, weightDecay: 0, maxExamples: 8 },
  handWritten: true,
  testImages: 6,
};
const SEEDS = [1, 2];
const K = 2;
const TASK: TaskSpec = { inputShape: [16, 16, 1], classes: 0 };

describe('runInpaintingQuality', () => {
  const runDir = join(dir, 'run');
  const lines: string[] = [];
  let first: InpaintingQuality;

  beforeAll(async () => {
    first = await runInpaintingQuality({ runDir, seeds: SEEDS, random: K, log: (l) => lines.push(l) }, SETTINGS, 'smoke', squares(16, 8));
  }, 120_000);

  it('leaves no tensor behind (once tfjs has made its cached constants, in the run above)', async () => {
    const before = tf.memory().numTensors;
    await runInpaintingQuality({ runDir: join(dir, 'another'), seeds: [3], random: 1, log: () => undefined }, SETTINGS, 'smoke', squares(16, 8));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports every network of every seed and mask, and the statistics of the random ones', () => {
    const r = first;
    expect(r).toMatchObject({ task: 'inpainting', budget: 'smoke', testImages: 6, settings: SETTINGS });
    expect(r.found.map((f) => f.seed)).toEqual(SEEDS);
    expect(r.handWritten.map((h) => h.seed)).toEqual(SEEDS);
    expect(r.random.map((x) => [x.seed, x.index])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    for (const mask of SETTINGS.masks) {
      for (const entry of [...r.found, ...r.random, ...r.handWritten]) {
        expect(Number.isFinite(entry.metric[mask]!.psnr)).toBe(true);
        expect(Math.abs(entry.metric[mask]!.ssim)).toBeLessThanOrEqual(1);
        expect(entry.parameters[mask]).toBeGreaterThan(0);
        expect(entry.parameters[mask]).toBeLessThanOrEqual(SETTINGS.retrain.parameterBudget);
      }
      for (const f of r.found) {
        expect(f.convergence[mask]).toBeGreaterThan(0);
        expect(f.convergence[mask]).toBeLessThanOrEqual(1);
        expect(f.architecture[mask]).toMatch(/\S/);
      }
      for (const key of ['psnr', 'ssim'] as const) {
        const values = r.random.map((x) => x.metric[mask]![key]);
        expect(r.randomMean[mask]![key]).toBeCloseTo(stats(values).mean, 12);
        expect(r.randomStd[mask]![key]).toBeCloseTo(stats(values).std, 12);
        expect(r.randomMax[mask]![key]).toBe(Math.max(...values));
        expect(r.foundRank[mask]![key]).toEqual(r.found.map((f) => rankAmong(f.metric[mask]![key], values)));
        expect(r.foundMean[mask]![key]).toBeCloseTo(stats(r.found.map((f) => f.metric[mask]![key])).mean, 12);
      }
    }
    expect(r.seconds.search).toBeGreaterThan(0);
    expect(r.seconds.retrain).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('retrains K uniformly drawn architectures per seed and mask, each at the largest width within the same budget', () => {
    const space = createInpaintingSpace({ encoding: 'mixed', nodes: 4, levelBack: 2, channels: [2, 4] });
    for (const seed of SEEDS) {
      const drawn = randomArchitectures(space.variables, seed, K);
      for (const [index, architecture] of drawn.entries()) {
        const entry = first.random.find((x) => x.seed === seed && x.index === index)!;
        const scaled = scaledToBudget(space, architecture, TASK, SETTINGS.retrain.parameterBudget);
        const wider = scaledToBudget(space, architecture, TASK, 1e9);
        for (const mask of SETTINGS.masks) {
          expect(entry.architecture[mask]).toBe(space.describe(architecture).text.split('\n')[0]);
          expect(entry.parameters[mask]).toBe(scaled.parameters);
          expect(entry.width[mask]).toBe(scaled.width);
        }
        expect(wider.width).toBeGreaterThan(scaled.width);
      }
    }
    const retrained = lines.filter((l) => / retraining, width /.test(l));
    expect(retrained).toHaveLength(SEEDS.length * SETTINGS.masks.length * (K + 2));
    expect(retrained.filter((l) => l.startsWith('random-seed'))).toHaveLength(SEEDS.length * SETTINGS.masks.length * K);
  });

  it('resumes from the pieces: the same call again retrains and searches nothing and gives the same figures', async () => {
    const restorations = join(runDir, 'restorations', 'restorations.json');
    const mtime = statSync(restorations).mtimeMs;
    const again: string[] = [];
    const second = await runInpaintingQuality({ runDir, seeds: SEEDS, random: K, log: (l) => again.push(l) }, SETTINGS, 'smoke', squares(16, 8));
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(again.filter((l) => / retraining| step \d/.test(l))).toEqual([]);
    expect(statSync(restorations).mtimeMs).toBe(mtime);
    await expect(
      runInpaintingQuality({ runDir, seeds: SEEDS, random: K, log: () => undefined }, { ...SETTINGS, testImages: 5 }, 'smoke', squares(16, 8)),
    ).rejects.toThrow(/started with other settings/);
  });

  it('with two retraining seeds, reuses the first retrainings and reports the means and each retraining', async () => {
    const again: string[] = [];
    const two = await runInpaintingQuality({ runDir, seeds: SEEDS, random: K, retrainSeeds: 2, log: (l) => again.push(l) }, SETTINGS, 'smoke', squares(16, 8));
    const retrained = again.filter((l) => / retraining, width /.test(l)).map((l) => l.split(':')[0]!);
    expect(retrained).toHaveLength(SEEDS.length * SETTINGS.masks.length * (K + 2));
    expect(retrained.every((name) => name.endsWith('-retrain2'))).toBe(true);
    const pairs: [(typeof first.found)[number] | (typeof first.random)[number], (typeof two.found)[number] | (typeof two.random)[number]][] = [
      ...first.found.map((f, i) => [f, two.found[i]!] as [typeof f, (typeof two.found)[number]]),
      ...first.random.map((r, i) => [r, two.random[i]!] as [typeof r, (typeof two.random)[number]]),
    ];
    for (const [once, twice] of pairs) {
      for (const mask of SETTINGS.masks) {
        const runs = twice.retrains![mask]!;
        expect(runs).toHaveLength(2);
        expect(runs[0]).toEqual(once.metric[mask]);
        expect(twice.metric[mask]!.psnr).toBeCloseTo((runs[0]!.psnr + runs[1]!.psnr) / 2, 12);
        expect(twice.metric[mask]!.ssim).toBeCloseTo((runs[0]!.ssim + runs[1]!.ssim) / 2, 12);
        expect(twice.parameters[mask]).toBe(once.parameters[mask]);
      }
    }
    expect(two.handWritten.every((h) => SETTINGS.masks.every((mask) => h.retrains![mask]!.length === 2))).toBe(true);
    expect(first.found[0]!.retrains).toBeUndefined();
    // The tables show each figure as the mean ± the retrainings' standard deviation.
    const table = inpaintingTables(two)[0]!;
    expect(table.caption).toMatch(/mean ± standard deviation of the retrainings/);
    const foundRuns = two.found[0]!.retrains![SETTINGS.masks[0]!]!;
    const std = stats(foundRuns.map((r) => r.psnr)).std;
    expect(table.rows[0]![2]).toBe(`${two.found[0]!.metric[SETTINGS.masks[0]!]!.psnr.toFixed(2)} ± ${std.toFixed(2)}`);
    expect(inpaintingTables(first)[0]!.rows[0]![2]).not.toMatch(/±/);
    writeFileSync(join(runDir, 'two.json'), JSON.stringify(two));
  });

  it("a variant takes the random and hand-written networks' retrainings from a results file, checking each is the network it draws", async () => {
    const two = JSON.parse(readFileSync(join(runDir, 'pieces', '..', 'two.json'), 'utf8')) as InpaintingQuality;
    const results = join(dir, 'two-results.json');
    writeFileSync(results, JSON.stringify(two));
    const variant = { ...SETTINGS, search: { ...SETTINGS.search, steps: 4 } };
    const pinned = { task: 'inpainting', budget: 'smoke', seeds: SEEDS, random: K, settings: variant };
    const variantDir = join(dir, 'variant-from-results');
    const lines: string[] = [];
    const reuseRandomFrom = reusablePieceDir(pinned, results, variantDir);
    const v = await runInpaintingQuality(
      { runDir: variantDir, seeds: SEEDS, random: K, retrainSeeds: 2, reuseRandomFrom, log: (l) => lines.push(l) },
      variant,
      'smoke',
      squares(16, 8),
    );
    // Only the found networks were retrained (twice each); the others' figures are the file's.
    const retrained = lines.filter((l) => / retraining, width /.test(l)).map((l) => l.split(':')[0]!);
    expect(retrained.every((name) => name.startsWith('found-'))).toBe(true);
    expect(retrained).toHaveLength(SEEDS.length * SETTINGS.masks.length * 2);
    expect(v.random.map((r) => [r.metric, r.retrains, r.width, r.parameters, r.architecture])).toEqual(
      two.random.map((r) => [r.metric, r.retrains, r.width, r.parameters, r.architecture]),
    );
    expect(v.handWritten.map((h) => h.metric)).toEqual(two.handWritten.map((h) => h.metric));

    // A file whose random network is not the one this run draws is refused, naming the piece.
    const wrong = {
      ...two,
      random: two.random.map((r, i) => (i === 0 ? { ...r, architecture: { ...r.architecture, center: 'active nodes: node3 (of 4)' } } : r)),
    };
    writeFileSync(results, JSON.stringify(wrong));
    const otherDir = join(dir, 'variant-wrong');
    await expect(
      runInpaintingQuality(
        { runDir: otherDir, seeds: SEEDS, random: K, retrainSeeds: 2, reuseRandomFrom: reusablePieceDir(pinned, results, otherDir), log: () => undefined },
        variant,
        'smoke',
        squares(16, 8),
      ),
    ).rejects.toThrow(/random-seed1-center-0: the reused piece holds 'active nodes: node3 \(of 4\)' at width \d+, but this run draws '.*' at width \d+/);
  }, 120_000);

  it('renders a table per mask and the grids of the found, best random and hand-written networks', () => {
    const tables = inpaintingTables(first);
    expect(tables.map((t) => t.caption.split(':')[0])).toEqual(['center mask', 'random-pixel mask']);
    for (const t of tables) {
      expect(t.rows).toHaveLength(SEEDS.length * 2 + SEEDS.length * K + 2);
      expect(t.highlight).toEqual(t.rows.map((_, i) => i < SEEDS.length));
      expect(t.rows.every((row) => row.length === t.header.length)).toBe(true);
    }
    const html = inpaintingGridsHtml(runDir);
    expect(html.match(/<h3>/g)).toHaveLength(SETTINGS.masks.length);
    expect(html.match(/<figure>/g)).toHaveLength(SETTINGS.masks.length * SEEDS.length * 3);
    for (const seed of SEEDS) {
      const randoms = first.random.filter((x) => x.seed === seed);
      const best = randoms.reduce((a, b) => (b.metric.center!.psnr > a.metric.center!.psnr ? b : a));
      expect(html).toContain(`found-seed${seed}-center`);
      expect(html).toContain(`random-seed${seed}-center-${best.index}: `);
      expect(html).toContain(`hand-written-seed${seed}-center`);
    }
  });
});

describe('runInpaintingQuality without random or hand-written networks (the best budget)', () => {
  it('retrains the found network alone and leaves the comparisons empty', async () => {
    const settings: InpaintingSettings = { ...SETTINGS, masks: ['random-half'], handWritten: false };
    const lines: string[] = [];
    const r = await runInpaintingQuality({ runDir: join(dir, 'best'), seeds: [4], random: 0, log: (l) => lines.push(l) }, settings, 'best', squares(16, 8));
    expect(r).toMatchObject({
      budget: 'best',
      random: [],
      handWritten: [],
      randomMean: {},
      randomStd: {},
      randomMax: {},
      handWrittenMean: {},
      foundRank: { 'random-half': { psnr: [1], ssim: [1] } },
    });
    expect(r.found).toHaveLength(1);
    expect(lines.filter((l) => / retraining, width /.test(l)).map((l) => l.split(':')[0])).toEqual(['found-seed4-random-half']);
    expect(inpaintingTables(r)[0]!.rows).toHaveLength(1);
    expect(inpaintingGridsHtml(join(dir, 'best')).match(/<figure>/g)).toHaveLength(1);
  });
});

describe('runInpaintingQuality with a budget-width search', () => {
  it('searches with every architecture scaled to the search budget in a wider supernet, then retrains as usual', async () => {
    const settings: InpaintingSettings = { ...SETTINGS, masks: ['center'], search: { ...SETTINGS.search, supernetChannels: 6, parameterBudget: 800 } };
    const lines: string[] = [];
    const runDir = join(dir, 'budget-width');
    const before = tf.memory().numTensors;
    const r = await runInpaintingQuality({ runDir, seeds: [5], random: 1, log: (l) => lines.push(l) }, settings, 'smoke', squares(16, 8));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.settings.search).toMatchObject({ supernetChannels: 6, parameterBudget: 800 });
    expect(r.found).toHaveLength(1);
    expect(r.random).toHaveLength(1);
    expect(Number.isFinite(r.found[0]!.metric.center!.psnr)).toBe(true);
    expect(r.found[0]!.parameters.center).toBeLessThanOrEqual(SETTINGS.retrain.parameterBudget);
    expect(lines.some((l) => / step \d/.test(l))).toBe(true);
    // An over-small search budget fails in the search, naming the budget.
    const tight = { ...settings, search: { ...settings.search, parameterBudget: 5 } };
    await expect(
      runInpaintingQuality({ runDir: join(dir, 'tight'), seeds: [5], random: 0, log: () => undefined }, tight, 'smoke', squares(16, 8)),
    ).rejects.toThrow(/parameterBudget: architecture .* more than the budget of 5/);
  }, 60_000);
});

describe('runInpaintingQuality with a larger ASNG population', () => {
  it('draws lambda architectures per distribution step', async () => {
    const settings: InpaintingSettings = { ...SETTINGS, masks: ['center'], search: { ...SETTINGS.search, steps: 4, warmupSteps: 1, lambda: 3 } };
    const runDir = join(dir, 'lambda');
    const r = await runInpaintingQuality({ runDir, seeds: [6], random: 0, log: () => undefined }, settings, 'smoke', squares(16, 8));
    expect(r.settings.search.lambda).toBe(3);
    const steps = readFileSync(join(runDir, 'search-seed6-center', 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; validationLosses?: number[] })
      .filter((e) => e.type === 'step');
    // The warm-up step tells the distribution nothing; each later step three losses.
    expect(steps.map((e) => e.validationLosses!.length)).toEqual([0, 3, 3, 3]);
  }, 60_000);
});

describe('runInpaintingQuality with a selection among finalists', () => {
  it("trains the final distribution's likeliest networks on the training split less its tail, scores them on the tail and retrains the best", async () => {
    const settings: InpaintingSettings = {
      ...SETTINGS,
      masks: ['center'],
      search: { ...SETTINGS.search, steps: 6, warmupSteps: 1, finalists: 3, finalistExamples: 8, finalistHoldOut: 4 },
    };
    const runDir = join(dir, 'finalists');
    const lines: string[] = [];
    const r = await runInpaintingQuality({ runDir, seeds: [3], random: 1, log: (l) => lines.push(l) }, settings, 'smoke', squares(24, 8));
    const found = r.found[0]!;
    const finalists = found.finalists!.center!;
    expect(finalists.length).toBeGreaterThanOrEqual(2);
    expect(finalists.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < finalists.length; i++) expect(finalists[i]!.probability).toBeLessThanOrEqual(finalists[i - 1]!.probability);
    const psnrs = finalists.map((f) => f.psnr);
    const selected = found.selected!.center!;
    expect(psnrs[selected]).toBe(Math.max(...psnrs));
    expect(found.architecture.center).toBe(finalists[selected]!.architecture);
    for (const f of finalists) expect(f.parameters).toBeLessThanOrEqual(settings.retrain.parameterBudget);
    // Trained with a seed no retraining uses: the found network's retrainings are independent of the selection.
    expect(finalists.every((f) => f.seed === 3 + FINALIST_SEED_OFFSET)).toBe(true);
    const training = lines.filter((l) => /^finalist-seed3-center-\d: .*training on the first 8 images, scoring on the last 4 of the training split$/.test(l));
    expect(training).toHaveLength(finalists.length);
    expect(lines.some((l) => l.startsWith('found-seed3-center: retraining'))).toBe(true);
    // The page lists the finalists.
    const table = inpaintingTables(r).find((t) => t.caption.includes('the finalists'))!;
    expect(table.rows).toHaveLength(finalists.length);
    expect(table.highlight?.indexOf(true)).toBe(selected);

    // Resumed: nothing is trained again, the figures are the same.
    const again: string[] = [];
    const r2 = await runInpaintingQuality({ runDir, seeds: [3], random: 1, log: (l) => again.push(l) }, settings, 'smoke', squares(24, 8));
    expect(again.filter((l) => /training on|retraining, width/.test(l))).toEqual([]);
    expect(r2.found).toEqual(r.found);

    // A search stored without its beliefs (an earlier version) cannot give finalists: the error names the piece.
    const piece = join(runDir, 'pieces', 'search-seed3-center.json');
    const { beliefs: _beliefs, ...old } = JSON.parse(readFileSync(piece, 'utf8')) as Record<string, unknown>;
    writeFileSync(piece, JSON.stringify(old));
    await expect(runInpaintingQuality({ runDir, seeds: [3], random: 1, log: () => undefined }, settings, 'smoke', squares(24, 8))).rejects.toThrow(
      `search-seed3-center: its stored search has no final beliefs (an earlier version wrote it); delete ${piece} to search again`,
    );
  }, 120_000);
});

describe('scaledToBudget', () => {
  it('keeps the proportions of the channels, for either encoding, and is the largest width within the budget', () => {
    const space = createInpaintingSpace({ encoding: 'categorical', nodes: 3, levelBack: 2, channels: [4, 8] });
    const architecture = {
      'node0.module': 'skip-3x3',
      'node0.channels': 8,
      'node0.input': 'input',
      'node1.module': 'down-1x1',
      'node1.channels': 4,
      'node1.input': 'node0',
      'node2.module': 'down-5x5',
      'node2.channels': 4,
      'node2.input': 'node1',
      'output.module': 'deconv3x3',
      'output.channels': 'image',
      'output.input': 'node2',
    };
    const scaled = scaledToBudget(space, architecture, TASK, 5000);
    expect(scaled.architecture).toMatchObject({
      'node0.type': 'skip',
      'node0.kernelIndex': 2,
      'node1.type': 'down',
      'node2.kernelIndex': 3,
      'output.input': 'node2',
    });
    expect(scaled.architecture['node0.channels']).toBe(scaled.width);
    expect(scaled.architecture['node1.channels']).toBe(Math.round(scaled.width / 2));
    const retrainSpace = createInpaintingSpace({ encoding: 'mixed', nodes: 3, levelBack: 2, channels: [1, 4096] });
    expect(planParameterCount(retrainSpace.plan(scaled.architecture, TASK), 1)).toBe(scaled.parameters);
    expect(scaled.parameters).toBeLessThanOrEqual(5000);
    expect(scaledToBudget(space, architecture, TASK, scaled.parameters).width).toBe(scaled.width);
    const next = scaledToBudget(space, architecture, TASK, 1e9);
    expect(next.width).toBeGreaterThan(scaled.width);

    // Uniform widths: every node gets the same channels, the topology and kernels kept.
    const uniform = scaledToBudget(space, architecture, TASK, 5000, 'uniform');
    for (const node of ['node0', 'node1', 'node2']) expect(uniform.architecture[`${node}.channels`]).toBe(uniform.width);
    expect({ ...uniform.architecture, 'node0.channels': 0, 'node1.channels': 0, 'node2.channels': 0 }).toEqual({
      ...scaled.architecture,
      'node0.channels': 0,
      'node1.channels': 0,
      'node2.channels': 0,
    });
    expect(planParameterCount(retrainSpace.plan(uniform.architecture, TASK), 1)).toBe(uniform.parameters);
    expect(uniform.parameters).toBeLessThanOrEqual(5000);
    expect(scaledToBudget(space, architecture, TASK, uniform.parameters + 1e4, 'uniform').width).toBeGreaterThan(uniform.width);
    // Wider nodes cost more: the uniform network is narrower than the proportional one's widest node.
    expect(uniform.width).toBeLessThan(scaled.width);
  });

  it("budgets: smoke is tiny, and every budget names the paper's three masks", () => {
    for (const settings of Object.values(INPAINTING_BUDGETS)) expect(settings.masks).toEqual(['center', 'random-pixel', 'random-half']);
    expect(INPAINTING_BUDGETS.smoke.testImages).toBeDefined();
    expect(INPAINTING_BUDGETS.standard.testImages).toBeUndefined();
  });
});
