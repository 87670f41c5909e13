import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type Dataset } from '@asng/core';
import { runSearch } from '@asng/engine';
import { createInpaintingSpace } from '@asng/space-inpainting';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readRun, renderReport, restorationGrids } from './report.js';
import { RESTORATIONS_FILE, afterSearch, readRestorations, restorationSet, writeModelRestorations, writeRestorationSet } from './restorations.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'asng-restorations-'));
  dirs.push(dir);
  return dir;
};

/** 12x12 grey ramps, a train and a test split. */
function ramps(train: number, test: number): Dataset {
  const image = (k: number) => Uint8Array.from({ length: 144 }, (_, i) => ((i % 12) * 20 + k * 7) % 256);
  const split = (offset: number, size: number) => ({
    size,
    async read(indices: ArrayLike<number>) {
      const out = new Uint8Array(indices.length * 144);
      for (let j = 0; j < indices.length; j++) out.set(image(offset + indices[j]!), j * 144);
      return { count: indices.length, shape: [12, 12, 1] as const, images: out, labels: null };
    },
  });
  return {
    info: { name: 'ramps', shape: [12, 12, 1], classes: 0, splits: { train, test }, source: 'generated' },
    split: (name) => (name === 'train' ? split(0, train) : split(1000, test)),
  };
}

describe('restoration sets', () => {
  it('quantise the clipped images to bytes, and are replaced by source and mask in an atomic file', async () => {
    const inputs = tf.tensor4d([0, 0.5, 1, 0.25], [1, 2, 2, 1]);
    const outputs = tf.tensor4d([-1, 0.5, 2, 0.2], [1, 2, 2, 1]);
    const targets = tf.tensor4d([0.1, 0.5, 1, 0.25], [1, 2, 2, 1]);
    const set = await restorationSet({ source: 'retrain', label: 'model', mask: 'center' }, inputs, outputs, targets);
    expect(set.shape).toEqual([2, 2, 1]);
    expect(Array.from(Buffer.from(set.samples[0]!.output, 'base64'))).toEqual([0, 128, 255, 51]);
    expect(Array.from(Buffer.from(set.samples[0]!.target, 'base64'))).toEqual([26, 128, 255, 64]);
    await expect(restorationSet({ source: 's', label: 'l', mask: 'm' }, tf.zeros([1, 2, 3, 1]) as tf.Tensor4D, outputs, targets)).rejects.toThrow(
      /inputs have shape \[1, 2, 3, 1\]/,
    );
    tf.dispose([inputs, outputs, targets]);

    const dir = tempDir();
    expect(readRestorations(dir)).toEqual([]);
    writeRestorationSet(dir, set);
    writeRestorationSet(dir, { ...set, source: 'search' });
    writeRestorationSet(dir, { ...set, label: 'model, again' });
    expect(readRestorations(dir).map((s) => [s.source, s.label])).toEqual([
      ['search', 'model'],
      ['retrain', 'model, again'],
    ]);
    expect(readdirSync(dir)).toEqual([RESTORATIONS_FILE]);
    writeFileSync(join(dir, RESTORATIONS_FILE), '{"sets": 1}');
    expect(() => readRestorations(dir)).toThrow(/restorations.json: expected \{"format": "asng-restorations"/);
  });

  it('draw one figure per set, grouped by mask, rows of input, restoration and ground truth as inline PNGs', async () => {
    const inputs = tf.zeros([3, 4, 5, 1]) as tf.Tensor4D;
    const set = await restorationSet({ source: 'retrain', label: 'model', mask: 'center' }, inputs, inputs, inputs);
    const html = restorationGrids([set, { ...set, source: 'mean-fill', label: 'mean' }, { ...set, mask: 'random-half' }]);
    tf.dispose(inputs);
    expect(html.match(/<h3>/g)!.length).toBe(2);
    expect(html.match(/<figure>/g)!.length).toBe(3);
    expect(html.match(/<img src="data:image\/png;base64,/g)!.length).toBe(3 * 3 * 3);
    expect(html.indexOf('corrupted input')).toBeLessThan(html.indexOf('restoration'));
    expect(html.indexOf('restoration')).toBeLessThan(html.indexOf('ground truth'));
    // Scaled up to about 96 pixels, drawn pixelated.
    expect(html).toContain('width="100" height="80"');
  });
});

describe('after a search and a retraining of an image-to-image space', () => {
  it('writes the grids of the most likely architecture (checkpoint weights) and of a model, which the report embeds', async () => {
    const dir = tempDir();
    const space = createInpaintingSpace({ encoding: 'mixed', nodes: 3, levelBack: 2, kernelSizes: [1, 3], channels: [2, 4], mask: 'center' });
    const dataset = ramps(16, 6);
    const result = await afterSearch(
      await runSearch({ space, dataset, runDir: dir, config: { seed: 1, batchSize: 4, steps: 2, evaluationBatches: 1 } }),
      dir,
      space,
      dataset,
    );
    const before = tf.memory().numTensors;
    const model = space.buildModel(result.best, { inputShape: [12, 12, 1], classes: 0 }, new Rng(1));
    await writeModelRestorations(dir, space, dataset, model);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const sets = readRestorations(dir);
    expect(sets.map((s) => [s.source, s.mask, s.samples.length])).toEqual([
      ['search', 'center', 4],
      ['retrain', 'center', 4],
    ]);
    // The inputs are the first test images with the centre zeroed, the targets those images.
    const input = Buffer.from(sets[0]!.samples[1]!.input, 'base64');
    const target = Buffer.from(sets[0]!.samples[1]!.target, 'base64');
    expect(input[3 * 12 + 3]).toBe(0);
    expect(target[3 * 12 + 3]).toBe((3 * 20 + 1001 * 7) % 256);
    expect(input[0]).toBe(target[0]);
    const html = renderReport(readRun(dir));
    expect(html).toContain('Restorations of test images');
    expect(html.match(/<img src="data:image\/png;base64,/g)!.length).toBe(2 * 3 * 4);
    // No script and nothing fetched (the SVG namespace URI is no fetch).
    expect(html).not.toMatch(/<script|(src|href)="https?:/);
  });

  it('leaves a classification run alone', async () => {
    const dir = tempDir();
    const result = { status: 'completed', best: {} };
    const space = { kind: 'classification' } as unknown as Parameters<typeof afterSearch>[2];
    expect(await afterSearch(result, dir, space, ramps(1, 1))).toBe(result);
    expect(readdirSync(dir)).toEqual([]);
  });
});
