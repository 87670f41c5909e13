import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@asng/core';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/asng.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));

/** A small search on the default backend and threads, checkpointing after nearly every step. */
const SEARCH = [
  'search',
  '--space',
  'image-classification',
  '--space-option',
  'cells=2',
  '--space-option',
  'channels=2',
  '--space-option',
  'nodes=2',
  '--dataset',
  'fashion-mnist-subset',
  '--max-examples',
  '96',
  '--batch-size',
  '8',
  '--steps',
  '36',
  '--warmup-steps',
  '4',
  '--seed',
  '5',
  '--checkpoint-minutes',
  '0.0001',
  '--quiet',
];

/** The numbers of a run's log, without wall-clock fields. */
function numbers(runDir: string): unknown[] {
  return readFileSync(join(runDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { seconds, imagesPerSecond, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });
}

const stepLines = (runDir: string) => {
  try {
    return readFileSync(join(runDir, 'log.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"step"')).length;
  } catch {
    return 0;
  }
};

/** Runs the CLI; with `killAfterSteps`, SIGKILLs it once the log has that many more step lines. Resolves with the exit code (null when killed). */
function run(args: readonly string[], killAfterSteps?: { readonly runDir: string; readonly more: number }): Promise<number | null> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (killAfterSteps !== undefined) {
    const target = stepLines(killAfterSteps.runDir) + killAfterSteps.more;
    timer = setInterval(() => {
      if (stepLines(killAfterSteps.runDir) >= target) child.kill('SIGKILL');
    }, 5);
  }
  return new Promise((resolve, reject) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`asng ${args[0]} exited with ${code}: ${stderr}`));
      else resolve(code);
    }),
  );
}

describe.skipIf(!built)('SIGKILL at random moments on the published CLI (default backend and threads; run `npm run build` first)', () => {
  it('resumes to exactly the numbers of an uninterrupted run', { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'asng-sigkill-'));
    try {
      const straight = join(root, 'straight');
      expect(await run([...SEARCH, '--run-dir', straight])).toBe(0);

      const killed = join(root, 'killed');
      const rng = new Rng(11);
      let kills = 0;
      let code = await run([...SEARCH, '--run-dir', killed], { runDir: killed, more: 1 + rng.int(8) });
      while (code === null) {
        kills++;
        // Killed before its first checkpoint: nothing to resume, start again.
        const next = existsSync(join(killed, 'checkpoint.bin')) ? ['resume', killed, '--quiet'] : [...SEARCH, '--run-dir', killed];
        if (next[0] !== 'resume') rmSync(killed, { recursive: true, force: true });
        code = kills < 6 ? await run(next, { runDir: killed, more: 1 + rng.int(8) }) : await run(next);
      }
      expect(code).toBe(0);
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(numbers(killed)).toEqual(numbers(straight));
      expect(JSON.parse(readFileSync(join(killed, 'result.json'), 'utf8')).best).toEqual(JSON.parse(readFileSync(join(straight, 'result.json'), 'utf8')).best);
      // No temporary file of an interrupted write is left behind.
      expect(readdirSync(killed).filter((f) => f.includes('.tmp'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
