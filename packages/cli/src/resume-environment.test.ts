import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

// Issue 14: a run records what affects its numbers (backend, threads, native kernels, package versions);
// `asng resume` restores the saved backend and threads, and refuses another environment unless told to accept it.

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const root = mkdtempSync(join(tmpdir(), 'asng-resume-environment-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.ASNG_NATIVE_KERNELS;
  await tf.setBackend('cpu');
});

/** The backends and threads the CLI asked for, in order. */
const asked: [string, number | 'auto'][] = [];
/** An io whose backend selection is recorded, then is the cpu backend. */
const onCpu = () =>
  bufferedIo({
    cwd: root,
    selectBackend: async (backend, threads) => {
      asked.push([backend, threads]);
      await tf.setBackend('cpu');
      return { backend: 'cpu', reason: 'test' };
    },
  });

const SEARCH = [
  'search',
  '--space',
  'image-classification',
  '--space-option',
  'cells=1',
  '--space-option',
  'channels=2',
  '--dataset',
  'fashion-mnist-subset',
  '--max-examples',
  '16',
  '--batch-size',
  '4',
  '--steps',
  '2',
  '--quiet',
];

const environmentOf = (runDir: string): Record<string, unknown> => JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).environment;
const version = (name: string): string => JSON.parse(readFileSync(new URL(`../../${name}/package.json`, import.meta.url), 'utf8')).version;

describe('asng resume in another environment', () => {
  it('records the package versions with the backend, and resumes on the saved backend when none is given', async () => {
    const runDir = join(root, 'cpu-run');
    const searched = onCpu();
    expect(await runCli([...SEARCH, '--run-dir', runDir], searched.io)).toBe(0);
    expect(environmentOf(runDir)).toEqual({
      backend: 'cpu',
      '@tensorflow/tfjs-core': tf.version_core,
      '@tensorflow/tfjs-layers': expect.stringMatching(/^\d+\.\d+\.\d+/),
      '@tensorflow/tfjs-backend-cpu': expect.stringMatching(/^\d+\.\d+\.\d+/),
      '@asng/cli': version('cli'),
      '@asng/core': version('core'),
      '@asng/engine': version('engine'),
      '@asng/optimizer-asng': version('optimizer-asng'),
      '@asng/space-image-classification': version('space-image-classification'),
    });
    asked.length = 0;
    const resumed = onCpu();
    expect(await runCli(['resume', runDir, '--quiet'], resumed.io)).toBe(0);
    // The saved backend is asked for (its thread count is the wasm backend's only).
    expect(asked).toEqual([['cpu', 'auto']]);
    expect(resumed.stderr()).not.toContain('another environment');
  });

  it('refuses another backend, saying what differs and which flag accepts it, then resumes with --accept-environment-change', async () => {
    const runDir = join(root, 'cpu-run');
    const refused = bufferedIo({ cwd: root });
    expect(await runCli(['resume', runDir, '--backend', 'wasm', '--threads', '1', '--quiet'], refused.io)).toBe(1);
    const message = refused.stderr();
    expect(message).toContain(`${join(runDir, 'checkpoint.bin')}: the run was saved in another environment (`);
    expect(message).toContain('backend: saved "cpu", now "wasm"');
    expect(message).toMatch(/@tensorflow\/tfjs-backend-cpu: saved "[^"]+", now not recorded/);
    expect(message).toMatch(/@tensorflow\/tfjs-backend-wasm: saved not recorded, now "[^"]+"/);
    expect(message).toMatch(/nativeKernels: saved not recorded, now (true|false)/);
    expect(message).toContain('threads: saved not recorded, now 1');
    expect(message).toContain('pass --accept-environment-change to continue anyway');
    const log = readFileSync(join(runDir, 'log.jsonl'), 'utf8');
    const accepted = bufferedIo({ cwd: root });
    expect(await runCli(['resume', runDir, '--backend', 'wasm', '--threads', '1', '--accept-environment-change', '--quiet'], accepted.io)).toBe(0);
    expect(accepted.stderr()).toMatch(/warning: .*resuming in another environment, as accepted \(.*backend: saved "cpu", now "wasm"/);
    // The run was complete: nothing more was computed.
    expect(readFileSync(join(runDir, 'log.jsonl'), 'utf8')).toBe(log);
  }, 120_000);

  it('on wasm, records the native kernels on or off and the threads; resume restores them, and refuses when ASNG_NATIVE_KERNELS turns them off', async () => {
    const runDir = join(root, 'wasm-run');
    const searched = bufferedIo({ cwd: root });
    expect(await runCli([...SEARCH, '--run-dir', runDir, '--backend', 'wasm', '--threads', '1'], searched.io)).toBe(0);
    const saved = environmentOf(runDir);
    expect(saved).toMatchObject({ backend: 'wasm', threads: 1, nativeKernels: expect.any(Boolean) });
    expect(saved['@tensorflow/tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
    expect(saved['@asng/tfjs-wasm-training']).toBe(version('tfjs-wasm-training'));
    // Without --backend and --threads, resume asks for the saved ones.
    asked.length = 0;
    const restored = bufferedIo({
      cwd: root,
      selectBackend: async (backend, threads) => {
        asked.push([backend, threads]);
        await tf.setBackend('wasm');
        return { backend: 'wasm', reason: 'test' };
      },
    });
    expect(await runCli(['resume', runDir, '--quiet'], restored.io)).toBe(0);
    expect(asked).toEqual([['wasm', 1]]);
    // The native kernels turned off (where they load): the same backend and threads, other numbers, refused.
    if (saved.nativeKernels === true) {
      process.env.ASNG_NATIVE_KERNELS = '0';
      const refused = bufferedIo({ cwd: root });
      expect(await runCli(['resume', runDir, '--quiet'], refused.io)).toBe(1);
      expect(refused.stderr()).toContain(`${join(runDir, 'checkpoint.bin')}: the run was saved in another environment (nativeKernels: saved true, now false)`);
      delete process.env.ASNG_NATIVE_KERNELS;
    }
  }, 120_000);
});
