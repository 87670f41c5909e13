import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@asng/core';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
/**
 * The published CLI when it is built (as in CI), else its sources through
 * tsx loaded into the same process: SIGKILL must reach the process that does
 * the work (the `tsx` command would run it in a child that a kill misses).
 */
const cli = built
  ? [fileURLToPath(new URL('../bin/asng.js', import.meta.url))]
  : ['--conditions=@asng/source', '--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url))];

/** A small search on the default backend and threads (none named), checkpointing after nearly every step. */
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
  '24',
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

/** When to kill a run: `delayMs` after its log has `more` step lines more than when it started. */
interface Kill {
  readonly runDir: string;
  readonly more: number;
  readonly delayMs: number;
}

/** Runs the CLI; with `kill`, SIGKILLs it at that moment. Resolves with the exit code (null when killed). */
function run(args: readonly string[], kill?: Kill): Promise<number | null> {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  let delayed: NodeJS.Timeout | undefined;
  if (kill !== undefined) {
    const target = stepLines(kill.runDir) + kill.more;
    timer = setInterval(() => {
      if (stepLines(kill.runDir) < target) return;
      clearInterval(timer);
      // Somewhere within the next step: its computation, its log line or its checkpoint write.
      delayed = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    }, 5);
  }
  return new Promise((resolve, reject) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      clearTimeout(delayed);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`asng ${args[0]} exited with ${code}: ${stderr}`));
      else resolve(code);
    }),
  );
}

describe(`SIGKILL at random moments on the ${built ? 'published CLI' : "CLI's sources (run `npm run build` to test the published one)"} (default backend and threads)`, () => {
  it('resumes to exactly the numbers of an uninterrupted run', { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'asng-sigkill-'));
    try {
      const straight = join(root, 'straight');
      expect(await run([...SEARCH, '--run-dir', straight])).toBe(0);

      const killed = join(root, 'killed');
      const rng = new Rng(11);
      // At most 4 kills of at most 5 steps each: the 24-step run cannot end before its last kill.
      const moment = (): Kill => ({ runDir: killed, more: 1 + rng.int(5), delayMs: rng.int(150) });
      const moments: Kill[] = [moment()];
      let code = await run([...SEARCH, '--run-dir', killed], moments[0]);
      let kills = 0;
      let resumes = 0;
      while (code === null) {
        kills++;
        // Killed before its first checkpoint: nothing to resume, start again.
        const next = existsSync(join(killed, 'checkpoint.bin')) ? ['resume', killed, '--quiet'] : [...SEARCH, '--run-dir', killed];
        if (next[0] === 'resume') resumes++;
        else rmSync(killed, { recursive: true, force: true });
        if (kills < 4) moments.push(moment());
        code = kills < 4 ? await run(next, moments.at(-1)) : await run(next);
      }
      expect(code).toBe(0);
      expect(kills, JSON.stringify(moments)).toBe(4);
      expect(resumes, JSON.stringify(moments)).toBeGreaterThanOrEqual(1);
      // The same environment (backend, threads, native kernels, versions) as the uninterrupted run, none named.
      const environment = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).environment;
      expect(environment(straight).backend).toBeTypeOf('string');
      expect(environment(killed)).toEqual(environment(straight));
      expect(numbers(killed)).toEqual(numbers(straight));
      expect(JSON.parse(readFileSync(join(killed, 'result.json'), 'utf8')).best).toEqual(JSON.parse(readFileSync(join(straight, 'result.json'), 'utf8')).best);
      // No temporary file of an interrupted write is left behind (`<name>.asng-tmp-<pid>-<n>`, earlier `<name>.tmp-<pid>-<ms>`).
      expect(readdirSync(killed).filter((f) => /tmp|\.old-|\.partial/.test(f))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
