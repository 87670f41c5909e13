import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { syntheticDataset, tinySpace } from '../test/fixtures.js';
import { writeFileAtomic } from './atomic-write.js';
import { fileSystemIO, saveModelAtomically } from './file-system-io.js';
import { resumeSearch, runSearch } from './search.js';

// A rename that fails on demand (the engine imports node:fs/promises dynamically; the mock applies to it).
let failRename: ((from: string, to: string) => Error | undefined) | undefined;
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const rename = async (from: string, to: string) => {
    const error = failRename?.(String(from), String(to));
    if (error !== undefined) throw error;
    return actual.rename(from, to);
  };
  return { ...actual, rename, default: { ...actual, rename } };
});

// Issue 14, D6: no temporary file outlives a failed write, a killed run that resumes, or a completed run.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'asng-temporary-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = { seed: 7, batchSize: 8, epochs: 1, learningRate: 0.1, evaluationBatches: 2 };
const base = { space: tinySpace(), dataset: syntheticDataset(), environment: { threads: 1 } } as const;
const RUN_FILES = ['architecture.txt', 'checkpoint.bin', 'config.json', 'log.jsonl', 'result.json'];
/** What killed writes of this and earlier versions leave: files, and a model directory being saved. */
const LEFTOVERS = ['checkpoint.bin.tmp-4242-1764850000000', 'checkpoint.bin.asng-tmp-4242-0', 'cli.json.asng-tmp-4242-1', 'report.html.asng-tmp-17-a'];

describe('writeFileAtomic when the rename fails', () => {
  it('names the destination, keeps what was there and removes its temporary file', () => {
    const dir = freshDir();
    // A non-empty directory cannot be replaced by a file.
    const path = join(dir, 'report.html');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    let thrown: unknown;
    try {
      writeFileAtomic(path, 'new');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toMatch(new RegExp(`^${path}: could not write the file \\((EISDIR|ENOTEMPTY|EEXIST)`));
    expect((thrown as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('a run directory', () => {
  it('keeps no temporary file once the run completes, nor once a stopped run resumes', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    // Leftovers appear while the run goes (as a kill during a write of an earlier process leaves them): it stops at step 3.
    await runSearch({
      ...base,
      runDir: dir,
      config,
      signal: controller.signal,
      onStep: (e) => {
        if (e.step === 2) for (const name of LEFTOVERS) writeFileSync(join(dir, name), '');
        if (e.step === 3) controller.abort();
      },
    });
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(LEFTOVERS));
    let seenAtStep: string[] | undefined;
    const result = await resumeSearch({
      ...base,
      runDir: dir,
      onStep: (e) => {
        // Removed when the run resumes, before its first step; new ones appear later and are removed on completion.
        seenAtStep ??= readdirSync(dir).filter((n) => LEFTOVERS.includes(n));
        if (e.step === 6) writeFileSync(join(dir, 'checkpoint.bin.asng-tmp-4242-9'), '');
      },
    });
    expect(result.status).toBe('completed');
    expect(seenAtStep).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(RUN_FILES);
  });

  it('keeps no temporary file when a fresh run completes', async () => {
    const dir = freshDir();
    await runSearch({
      ...base,
      runDir: dir,
      config,
      onStep: (e) => {
        if (e.step === 2) for (const name of LEFTOVERS) writeFileSync(join(dir, name), '');
      },
    });
    expect(readdirSync(dir).sort()).toEqual(RUN_FILES);
  });
});

describe('saveModelAtomically when it fails', () => {
  const model = () => tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], name: 'd' })] });

  it('names the model directory, removes its temporary directory and keeps the previous model', async () => {
    const root = freshDir();
    const dir = join(root, 'model');
    const first = model();
    await saveModelAtomically(first, dir);
    const saved = readFileSync(join(dir, 'model.json'), 'utf8');
    const failing = {
      save: async (handler: tf.io.IOHandler) => {
        await handler.save!({ modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) });
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const error = await saveModelAtomically(failing, dir).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect((error as Error).message).toBe(`${dir}: could not save the model (ENOSPC: no space left on device, write)`);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readdirSync(root)).toEqual(['model']);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(saved);
    first.dispose();
  });

  it('names the model directory and keeps the previous model when it cannot be moved aside', async () => {
    const root = freshDir();
    const dir = join(root, 'model');
    const first = model();
    await saveModelAtomically(first, dir);
    // Moving the previous model aside fails (as a rename onto a non-empty directory would).
    const old = `${dir}.old-${process.pid}`;
    failRename = (from, to) =>
      from === dir && to === old ? Object.assign(new Error(`ENOTEMPTY: directory not empty, rename '${from}' -> '${to}'`), { code: 'ENOTEMPTY' }) : undefined;
    const second = model();
    await expect(saveModelAtomically(second, dir)).rejects.toThrow(new RegExp(`^${dir}: could not move the previous model aside to ${old} \\(`));
    failRename = undefined;
    expect(readdirSync(root)).toEqual(['model']);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    expect(loaded.layers.map((l) => l.name)).toEqual(['d']);
    for (const m of [first, second, loaded]) m.dispose();
  });
});
