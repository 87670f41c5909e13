import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset, tinySpace } from '../test/fixtures.js';
import { resumeSearch, runSearch } from './browser-search.js';
import { indexedDbStorage } from './indexeddb-storage.js';
import { memoryStorage } from './memory-storage.js';
import { RUN_FILES, type RunStorage } from './run-storage.js';
import { runSearch as runSearchOnDisk } from './search.js';
import type { StepEvent } from './search-events.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'asng-browser-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = { seed: 5, batchSize: 8, epochs: 2, learningRate: 0.1, evaluationBatches: 2 };
const base = () => ({ space: tinySpace(), dataset: syntheticDataset(), environment: { threads: 1 } });

async function text(storage: RunStorage, name: string): Promise<string> {
  return new TextDecoder().decode(await storage.read(name));
}

async function steps(storage: RunStorage) {
  return (await text(storage, RUN_FILES.log))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step')
    .map(({ step, trainLoss, validationLosses, gradientNorm }: StepEvent) => ({ step, trainLoss, validationLosses, gradientNorm }));
}

describe('the search loop in a browser storage', () => {
  it('stops, survives a reload in IndexedDB, and resumes exactly; its files are those of a run directory', async () => {
    const whole = memoryStorage('whole');
    const full = await runSearch({ ...base(), storage: whole, config });
    expect(full).toMatchObject({ status: 'completed', steps: 12, runDir: 'memory:whole' });
    expect(whole.names()).toEqual(['architecture.txt', 'checkpoint.bin', 'config.json', 'log.jsonl', 'result.json']);

    const indexedDB = new IDBFactory();
    const controller = new AbortController();
    const checkpoints: [string, number][] = [];
    const stopped = await runSearch({
      ...base(),
      storage: indexedDbStorage({ run: 'r', indexedDB, locks: null }),
      config,
      signal: controller.signal,
      onStep: (e) => e.step === 5 && controller.abort(),
      onCheckpoint: (path, step) => checkpoints.push([path, step]),
    });
    expect(stopped).toMatchObject({ status: 'stopped', steps: 5, runDir: 'indexeddb:asng/r' });
    expect(checkpoints).toEqual([['indexeddb:asng/r/checkpoint.bin', 5]]);

    const reloaded = indexedDbStorage({ run: 'r', indexedDB, locks: null });
    await expect(runSearch({ ...base(), storage: reloaded, config })).rejects.toThrow(
      /^indexeddb:asng\/r\/checkpoint\.bin: the run directory already holds a search/,
    );
    const resumed = await resumeSearch({ ...base(), storage: reloaded });
    expect(resumed).toMatchObject({ status: 'completed', steps: 12 });
    expect(resumed.best).toEqual(full.best);
    expect(resumed.metrics).toEqual(full.metrics);
    expect(await steps(reloaded)).toEqual(await steps(whole));
    expect(await text(reloaded, RUN_FILES.architecture)).toBe(await text(whole, RUN_FILES.architecture));

    await runSearchOnDisk({ ...base(), runDir: dir, config });
    for (const name of [RUN_FILES.config, RUN_FILES.architecture]) expect(await text(reloaded, name)).toBe(readFileSync(join(dir, name), 'utf8'));
  });

  it('needs a storage, and refuses to resume an empty one', async () => {
    await expect(runSearch({ ...base(), config } as unknown as Parameters<typeof runSearch>[0])).rejects.toThrow(
      /^runSearch: expected options.storage, a RunStorage such as indexedDbStorage/,
    );
    await expect(resumeSearch({ ...base(), storage: memoryStorage('empty') })).rejects.toThrow(
      /^memory:empty\/checkpoint\.bin: cannot read the checkpoint \(there is none: no search was saved in memory:empty\)/,
    );
  });

  it('refuses a second search on a run in use', async () => {
    const storage = memoryStorage('busy');
    const release = await storage.lock();
    await expect(runSearch({ ...base(), storage, config })).rejects.toThrow(/^memory:busy: the run is in use by another search/);
    await release();
  });
});
