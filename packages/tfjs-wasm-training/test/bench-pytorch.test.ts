import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PYTHONS,
  parsePytorchMode,
  parseTorchOutput,
  resolvePytorch,
  runTorchBench,
  TORCH_SCRIPT,
  torchCommand,
  torchFields,
} from '../bench/pytorch.js';

/** bench/pytorch.ts, the PyTorch side of `bench:train`, with fake Pythons: torch is not needed. */
const work = mkdtempSync(join(tmpdir(), 'bench-pytorch-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const missing = join(work, 'no-such-python3');
const run = { batch: 64, warmup: 3, steps: 5, threads: 2 };

/** A shell script standing in for python3: `-c` (the torch import) exits with `importStatus`, else runs `body`. */
function fakePython(name: string, body: string, importStatus = 0): string {
  const path = join(work, name);
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$1" = "-c" ]; then\n  [ ${importStatus} -eq 0 ] || echo "ModuleNotFoundError: No module named 'torch'" >&2\n  exit ${importStatus}\nfi\n${body}\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

const json = (fields: Record<string, unknown>) => `echo '${JSON.stringify(fields)}'`;
const good = { torchMsPerStep: 120.5, torchThreads: 2, torchVersion: '1.13.1', torchParams: 50634 };

describe('bench:train --pytorch', () => {
  it('parses --pytorch auto|true|false, auto by default, and rejects anything else', () => {
    expect(parsePytorchMode(undefined)).toBe('auto');
    expect(parsePytorchMode('auto')).toBe('auto');
    expect(parsePytorchMode('true')).toBe('true');
    expect(parsePytorchMode('false')).toBe('false');
    expect(() => parsePytorchMode('yes')).toThrow('--pytorch: expected auto, true or false, got yes');
  });

  it('runs train_torch.py with the wasm run’s batch, warm-up, steps and threads', () => {
    expect(torchCommand('python3', run)).toEqual({
      command: 'python3',
      args: [TORCH_SCRIPT, '--batch', '64', '--warmup', '3', '--steps', '5', '--threads', '2'],
    });
    expect(TORCH_SCRIPT).toMatch(/bench[/\\]train_torch\.py$/);
    expect(DEFAULT_PYTHONS[0]).toBe('python3');
  });

  it('reads the last JSON line and names the script when the output is not the expected JSON', () => {
    expect(parseTorchOutput(`warming up\n${JSON.stringify(good)}\n`, 'x.py')).toEqual(good);
    expect(() => parseTorchOutput('Traceback (most recent call last):\n  oops\n', 'x.py')).toThrow(/^x\.py: expected a JSON line last on stdout, got "oops"/);
    expect(() => parseTorchOutput('', 'x.py')).toThrow(/^x\.py: expected a JSON line/);
    expect(() => parseTorchOutput(JSON.stringify({ ...good, torchMsPerStep: 'fast' }), 'x.py')).toThrow(/^x\.py: expected \{"torchMsPerStep"/);
    expect(() => parseTorchOutput(JSON.stringify({ ...good, torchMsPerStep: 0 }), 'x.py')).toThrow(/^x\.py: expected/);
    expect(() => parseTorchOutput('null', 'x.py')).toThrow(/^x\.py: expected/);
  });

  it('skips with the reason when python3 is missing (auto), fails naming it (true), and skips on false', () => {
    expect(resolvePytorch('auto', [missing])).toEqual({ skipped: `${missing} not found` });
    expect(() => resolvePytorch('true', [missing])).toThrow(`--pytorch true: no Python that imports torch: ${missing} not found`);
    expect(resolvePytorch('false', [missing])).toEqual({ skipped: '--pytorch false' });
  });

  it('names a Python that lacks torch and takes the next candidate that has it', () => {
    const noTorch = fakePython('python-without-torch', 'exit 1', 1);
    const withTorch = fakePython('python-with-torch', json(good));
    expect(resolvePytorch('auto', [missing, noTorch])).toEqual({
      skipped: `${missing} not found; ${noTorch} cannot import torch (ModuleNotFoundError: No module named 'torch')`,
    });
    expect(() => resolvePytorch('true', [noTorch])).toThrow(/cannot import torch.*python3-torch/);
    expect(resolvePytorch('auto', [missing, noTorch, withTorch])).toEqual({ python: withTorch });
  });

  it('runs the script and checks its output and weight count, naming the script on failure', () => {
    // The fake echoes its arguments back as torchVersion: the command line is the one built above.
    const echo = fakePython('python-echo', `echo "{\\"torchMsPerStep\\": 100, \\"torchThreads\\": 2, \\"torchVersion\\": \\"$*\\", \\"torchParams\\": 50634}"`);
    const result = runTorchBench(echo, run, 50634, 'bench.py');
    expect(result.torchVersion).toBe('bench.py --batch 64 --warmup 3 --steps 5 --threads 2');
    expect(result.torchMsPerStep).toBe(100);

    expect(() => runTorchBench(fakePython('python-garbage', 'echo not json'), run, 50634, 'bench.py')).toThrow(
      /^bench\.py: expected a JSON line last on stdout, got "not json"/,
    );
    expect(() => runTorchBench(fakePython('python-crash', 'exit 3'), run, 50634, 'bench.py')).toThrow(/^bench\.py failed \(.*python-crash, exit status 3\)/);
    expect(() => runTorchBench(fakePython('python-other-net', json({ ...good, torchParams: 50000 })), run, 50634, 'bench.py')).toThrow(
      'bench.py: the PyTorch net has 50000 weights, the tfjs net 50634: they must match',
    );
    expect(() => runTorchBench(missing, run, 50634, 'bench.py')).toThrow(/^bench\.py: .*no-such-python3 did not start/);
  });

  it('adds the torch fields and the ratio, or null and the skip reason', () => {
    expect(torchFields(good, 241)).toEqual({ torchMsPerStep: 120.5, torchThreads: 2, torchVersion: '1.13.1', ratio: 2 });
    expect(torchFields({ skipped: 'python3 not found' }, 241)).toEqual({ torchMsPerStep: null, torchSkipped: 'python3 not found' });
  });
});
