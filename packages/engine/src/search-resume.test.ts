import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arrayOffset, downgradeToVersion1, flipBits } from '../test/checkpoint-files.js';
import { syntheticDataset, tinySpace } from '../test/fixtures.js';
import { runFiles } from './run-directory.js';
import { EnvironmentChangeError } from './run-environment.js';
import type { StepEvent } from './search-events.js';
import type { SearchOptions } from './search-options.js';
import { resumeSearch, runSearch } from './search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirs: string[] = [];
function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'asng-resume-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = { seed: 7, batchSize: 8, epochs: 2, learningRate: 0.1, evaluationBatches: 2 };
const base = { space: tinySpace(), dataset: syntheticDataset(), environment: { threads: 1 } } as const;

/** A run stopped after 5 of its 12 steps. */
async function stopped(options: Partial<SearchOptions> = {}): Promise<string> {
  const dir = runDir();
  const controller = new AbortController();
  await runSearch({ ...base, runDir: dir, config, signal: controller.signal, onStep: (e) => e.step === 5 && controller.abort(), ...options });
  return dir;
}

function steps(dir: string) {
  return readFileSync(runFiles(dir).log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step')
    .map(({ step, trainLoss, validationLosses, gradientNorm }: StepEvent) => ({ step, trainLoss, validationLosses, gradientNorm }));
}

describe('resumeSearch checks what it resumes', () => {
  it('records the environment and the data fingerprint in config.json and the checkpoint', async () => {
    const dir = await stopped();
    const saved = JSON.parse(readFileSync(runFiles(dir).config, 'utf8'));
    expect(saved.environment).toEqual({ backend: 'cpu', '@tensorflow/tfjs-core': tf.version_core, threads: 1 });
    expect(saved.dataFingerprint).toMatchObject({ name: 'synthetic', shape: [4, 4, 1], classes: 2, trainExamples: 96, usedExamples: 96, sampleExamples: 64 });
    expect(saved.dataFingerprint.sampleSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a checkpoint whose header was edited (its step), naming the file', async () => {
    const dir = await stopped();
    const path = runFiles(dir).checkpoint;
    const bytes = readFileSync(path);
    bytes.write('"step":3,', bytes.indexOf('"step":5,'), 'utf8');
    writeFileSync(path, bytes);
    const log = readFileSync(runFiles(dir).log, 'utf8');
    await expect(resumeSearch({ ...base, runDir: dir })).rejects.toThrow(`${path}: the checkpoint's header fails its checksum`);
    // Refused before anything changed: the log keeps its five steps.
    expect(readFileSync(runFiles(dir).log, 'utf8')).toBe(log);
    expect(steps(dir)).toHaveLength(5);
  });

  it.each([
    ['mantissa', 0, 0x01],
    ['exponent', 3, 0x40],
  ])('refuses a weight with a flipped %s bit, naming the file and the weight, not an architecture', async (_, byte, mask) => {
    const dir = await stopped();
    const path = runFiles(dir).checkpoint;
    flipBits(path, arrayOffset(readFileSync(path), 'weight/w2') + byte, mask);
    await expect(resumeSearch({ ...base, runDir: dir })).rejects.toThrow(`${path}: array 'weight/w2' fails its checksum`);
  });

  it('refuses other training data: other pixels of the same size, or another size', async () => {
    const dir = await stopped();
    const path = runFiles(dir).checkpoint;
    await expect(resumeSearch({ ...base, dataset: syntheticDataset(96, 2), runDir: dir })).rejects.toThrow(
      `${path}: the training data differs from the data the run was saved with (a sample of 64 examples has other pixels or labels (same sizes, different data))`,
    );
    await expect(resumeSearch({ ...base, dataset: syntheticDataset(100), runDir: dir })).rejects.toThrow(/train split: saved 96 examples, now 100/);
  });

  it('refuses another environment, saying what differs, unless told to accept it', async () => {
    const whole = runDir();
    await runSearch({ ...base, runDir: whole, config });
    const dir = await stopped();
    const resumed = resumeSearch({ ...base, environment: { threads: 2 }, runDir: dir });
    await expect(resumed).rejects.toThrow(EnvironmentChangeError);
    await expect(resumeSearch({ ...base, environment: { threads: 2 }, runDir: dir })).rejects.toThrow(
      /the run was saved in another environment \(threads: saved 1, now 2\)/,
    );
    const warnings: string[] = [];
    const result = await resumeSearch({ ...base, environment: { threads: 2 }, acceptEnvironmentChange: true, onWarning: (m) => warnings.push(m), runDir: dir });
    expect(result.status).toBe('completed');
    expect(warnings).toEqual([
      `${runFiles(dir).checkpoint}: resuming in another environment, as accepted (threads: saved 1, now 2); the numbers will not continue exactly`,
    ]);
    // On the cpu backend, threads change nothing: the numbers continue exactly.
    expect(steps(dir)).toEqual(steps(whole));
  });

  it('resumes a checkpoint written before checksums exactly, with warnings', async () => {
    const whole = runDir();
    await runSearch({ ...base, runDir: whole, config });
    const dir = await stopped();
    downgradeToVersion1(runFiles(dir).checkpoint, ['dataFingerprint', 'environment']);
    const warnings: string[] = [];
    await resumeSearch({ ...base, runDir: dir, onWarning: (m) => warnings.push(m) });
    expect(steps(dir)).toEqual(steps(whole));
    expect(warnings.map((w) => w.slice(runFiles(dir).checkpoint.length + 2))).toEqual([
      'a checkpoint of format version 1, without checksums: read unverified (the next checkpoint is written as version 2)',
      'the checkpoint records no fingerprint of the training data; resuming without checking that the data is the same',
      'the checkpoint records no environment (backend, threads, versions); resuming without checking it',
    ]);
  });

  it('names a non-finite weight of an unverified (version 1) checkpoint as damage', async () => {
    const dir = await stopped();
    const path = runFiles(dir).checkpoint;
    const before = readFileSync(path);
    const fromEnd = before.length - arrayOffset(before, 'weight/w1');
    downgradeToVersion1(path, []);
    const bytes = readFileSync(path);
    bytes.writeFloatLE(Number.POSITIVE_INFINITY, bytes.length - fromEnd);
    writeFileSync(path, bytes);
    await expect(resumeSearch({ ...base, runDir: dir, onWarning: () => undefined })).rejects.toThrow(
      /array 'weight\/w1' holds Infinity at index 0: the checkpoint is damaged/,
    );
  });

  it('removes the temporary files that killed writes left in the run directory', async () => {
    const dir = await stopped();
    const leftovers = ['checkpoint.bin.tmp-4242-1764850000000', 'checkpoint.bin.asng-tmp-4242-0', 'config.json.asng-tmp-4242-1'];
    for (const name of leftovers) writeFileSync(join(dir, name), '');
    await resumeSearch({ ...base, runDir: dir });
    expect(readdirSync(dir).sort()).toEqual(['architecture.txt', 'checkpoint.bin', 'config.json', 'log.jsonl', 'result.json']);
  });
});

describe('the run directory', () => {
  it('that cannot be created fails at once, naming it', async () => {
    const parent = runDir();
    writeFileSync(join(parent, 'file'), 'x');
    const below = join(parent, 'file', 'run');
    await expect(runSearch({ ...base, runDir: below, config })).rejects.toThrow(
      `${below}: cannot create the directory: ${join(parent, 'file')} is a file, not a directory`,
    );
    if (existsSync('/proc/self')) {
      await expect(runSearch({ ...base, runDir: '/proc/asng-run', config })).rejects.toThrow(/^\/proc\/asng-run: cannot create the directory \(ENOENT/);
    }
  });
});
