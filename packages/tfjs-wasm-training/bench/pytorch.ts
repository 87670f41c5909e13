/**
 * The PyTorch side of bench/train.ts: finds a Python that imports torch, runs
 * bench/train_torch.py (the same net, batch, loss and SGD step) with the wasm
 * run's batch, steps and threads, and reads its JSON line.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `--pytorch`: `auto` runs PyTorch where it imports, `true` requires it, `false` skips it. */
export type PytorchMode = 'auto' | 'true' | 'false';

export const TORCH_SCRIPT = fileURLToPath(new URL('./train_torch.py', import.meta.url));

/**
 * The Pythons tried when `--python` is not given: `python3` on the PATH, then
 * the system one, where Debian's `python3-torch` lives (a pyenv or venv
 * `python3` earlier on the PATH hides it).
 */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'];

export function parsePytorchMode(value: string | undefined): PytorchMode {
  const mode = value ?? 'auto';
  if (mode !== 'auto' && mode !== 'true' && mode !== 'false') {
    throw new Error(`--pytorch: expected auto, true or false, got ${mode}`);
  }
  return mode;
}

export interface TorchRun {
  batch: number;
  warmup: number;
  steps: number;
  threads: number;
}

/** The command line that runs `script` (train_torch.py) with `python`. */
export function torchCommand(python: string, run: TorchRun, script = TORCH_SCRIPT): { command: string; args: string[] } {
  return {
    command: python,
    args: [script, '--batch', String(run.batch), '--warmup', String(run.warmup), '--steps', String(run.steps), '--threads', String(run.threads)],
  };
}

export interface TorchResult {
  torchMsPerStep: number;
  torchThreads: number;
  torchVersion: string;
  torchParams: number;
  torchMemoryFormat?: string;
}

/** Reads the last non-empty line of `script`'s stdout as its JSON result; throws naming `script` otherwise. */
export function parseTorchOutput(stdout: string, script = TORCH_SCRIPT): TorchResult {
  const line = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`${script}: expected a JSON line last on stdout, got ${JSON.stringify(line.slice(0, 200))}`);
  }
  const r = parsed as Partial<TorchResult> | null;
  const ok =
    r != null &&
    typeof r === 'object' &&
    typeof r.torchMsPerStep === 'number' &&
    Number.isFinite(r.torchMsPerStep) &&
    r.torchMsPerStep > 0 &&
    Number.isInteger(r.torchThreads) &&
    typeof r.torchVersion === 'string' &&
    Number.isInteger(r.torchParams);
  if (!ok) {
    throw new Error(
      `${script}: expected {"torchMsPerStep": ms > 0, "torchThreads": int, "torchVersion": string, "torchParams": int}, got ${line.slice(0, 200)}`,
    );
  }
  return r as TorchResult;
}

/** The first of `pythons` that imports torch, or why none does (each candidate's reason, `; `-joined). */
export function findTorchPython(pythons: readonly string[]): { python: string } | { reason: string } {
  const reasons: string[] = [];
  for (const python of pythons) {
    const result = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      reasons.push(code === 'ENOENT' ? `${python} not found` : `${python} did not start (${result.error.message})`);
    } else if (result.status === 0) {
      return { python };
    } else {
      const last = result.stderr.trim().split('\n').at(-1) || `exit status ${result.status ?? result.signal}`;
      reasons.push(`${python} cannot import torch (${last})`);
    }
  }
  return { reason: reasons.join('; ') || 'no Python to try' };
}

/**
 * What `--pytorch` asks for: the Python to run, or the reason it is skipped.
 * Throws for `true` when no candidate imports torch, naming what is missing.
 */
export function resolvePytorch(mode: PytorchMode, pythons: readonly string[]): { python: string } | { skipped: string } {
  if (mode === 'false') return { skipped: '--pytorch false' };
  const found = findTorchPython(pythons);
  if ('python' in found) return found;
  if (mode === 'true') {
    throw new Error(
      `--pytorch true: no Python that imports torch: ${found.reason}. ` +
        'Install PyTorch (Debian: apt install python3-torch; or pip install torch) or pass --python PATH.',
    );
  }
  return { skipped: found.reason };
}

/**
 * Runs `script` with `python` (its stderr goes to ours) and returns its
 * result; throws naming the script when it fails, prints no JSON, or builds a
 * net with another weight count than `expectedParams`.
 */
export function runTorchBench(python: string, run: TorchRun, expectedParams: number, script = TORCH_SCRIPT): TorchResult {
  const { command, args } = torchCommand(python, run, script);
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (result.error) throw new Error(`${script}: ${command} did not start (${result.error.message})`);
  if (result.status !== 0) throw new Error(`${script} failed (${command}, exit status ${result.status ?? result.signal})`);
  const parsed = parseTorchOutput(result.stdout, script);
  if (parsed.torchParams !== expectedParams) {
    throw new Error(`${script}: the PyTorch net has ${parsed.torchParams} weights, the tfjs net ${expectedParams}: they must match`);
  }
  return parsed;
}

/** The final JSON's PyTorch fields: the result and `ratio` (wasm over torch), or `torchMsPerStep: null` and why. */
export function torchFields(
  outcome: TorchResult | { skipped: string },
  wasmMsPerStep: number,
): { torchMsPerStep: number; torchThreads: number; torchVersion: string; ratio: number } | { torchMsPerStep: null; torchSkipped: string } {
  if ('skipped' in outcome) return { torchMsPerStep: null, torchSkipped: outcome.skipped };
  return {
    torchMsPerStep: outcome.torchMsPerStep,
    torchThreads: outcome.torchThreads,
    torchVersion: outcome.torchVersion,
    ratio: Number((wasmMsPerStep / outcome.torchMsPerStep).toFixed(2)),
  };
}
