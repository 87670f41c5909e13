import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { runCli, type CliIo } from '@asng/cli';
import { afterAll, describe, expect, it } from 'vitest';

const spaceModule = fileURLToPath(new URL('./space-module.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'asng-cli-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    selectBackend: async () => {
      await tf.setBackend('cpu');
      return { backend: 'cpu', reason: 'forced by the test' };
    },
    ...(signal ? { signal } : {}),
  };
  return { value, out, err, json: () => JSON.parse(out.join('').trim().split('\n').at(-1)!) };
}

const searchArgs = (runDir: string) => [
  'search',
  '--space',
  spaceModule,
  '--space-option',
  'maxDepth=1',
  '--space-option',
  'maxChannels=6',
  '--dataset',
  'fashion-mnist-subset',
  '--run-dir',
  runDir,
  '--max-examples',
  '96',
  '--batch-size',
  '8',
  '--epochs',
  '2',
  '--lr',
  '0.05',
  '--seed',
  '5',
  '--json',
];

describe('the asng CLI on the custom space and the embedded Fashion-MNIST subset', () => {
  it('searches, stops on Ctrl-C with a checkpoint, resumes to the same result, and reports', async () => {
    const whole = join(dir, 'whole');
    const a = io();
    expect(await runCli(searchArgs(whole), a.value)).toBe(0);
    const full = a.json();
    expect(full).toMatchObject({ status: 'completed', steps: 12, totalSteps: 12, backend: 'cpu' });
    expect(Object.keys(full.best)).toEqual(['channels', 'kernel0', 'activation', 'pool']);
    expect(a.err.join('')).toMatch(/backend: cpu \(forced by the test\)/);
    expect(a.err.join('')).toMatch(/12\/12 100% ETA/);

    const split = join(dir, 'split');
    const controller = new AbortController();
    const b = io(controller.signal);
    const origStderr = b.value.stderr;
    const stopping: CliIo = {
      ...b.value,
      stderr: (t) => {
        origStderr(t);
        if (/^\s*5\/12/.test(t)) controller.abort();
      },
    };
    expect(await runCli(searchArgs(split), stopping)).toBe(130);
    expect(b.json()).toMatchObject({ status: 'stopped', steps: 5 });
    expect(existsSync(join(split, 'checkpoint.bin'))).toBe(true);

    const again = io();
    expect(await runCli(searchArgs(split), again.value)).toBe(2);
    expect(again.err.join('')).toMatch(/already holds a search; continue it with 'asng resume/);

    // The run names its space module, but the CLI imports a module only when the user names it.
    const refused = io();
    expect(await runCli(['resume', split, '--json'], refused.value)).toBe(2);
    expect(refused.err.join('')).toMatch(
      /cli\.json: names the search space ".*space-module\.ts", which is not a built-in space .*pass it yourself with --space/,
    );
    const c = io();
    expect(await runCli(['resume', split, '--space', spaceModule, '--json'], c.value)).toBe(0);
    const resumed = c.json();
    expect(resumed).toMatchObject({ status: 'completed', steps: 12 });
    expect(resumed.best).toEqual(full.best);
    expect(resumed.metrics).toEqual(full.metrics);

    const r = io();
    expect(await runCli(['retrain', split, '--space', spaceModule, '--epochs', '1', '--max-examples', '64', '--batch-size', '16', '--json'], r.value)).toBe(0);
    const retrained = r.json();
    expect(retrained.architecture).toEqual(full.best);
    expect(retrained.epochs).toBe(1);
    expect(retrained.parameters).toBeGreaterThan(0);
    expect(retrained.test.accuracy).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(split, 'retrain.json'))).toBe(true);

    const d = io();
    expect(await runCli(['report', split, '--space', spaceModule, '--json'], d.value)).toBe(0);
    const html = readFileSync(d.json().report, 'utf8');
    expect(html).toContain('Most likely architecture');
    expect(html).toContain('<title>kernel0 = 1: ');
  });
});
