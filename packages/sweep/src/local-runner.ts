import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runLockHolder } from '@asng/engine';
import { runAsng } from './run-asng.js';
import type { Sweep, SweepJob } from './sweep-file.js';
import { readSweepState, writeSweepState, type JobState, type SweepState } from './sweep-state.js';

/** What {@link runSweepLocally} reports as it goes. */
export type SweepEvent =
  | { readonly type: 'start'; readonly job: SweepJob; readonly argv: readonly string[]; readonly attempt: number; readonly running: number }
  | { readonly type: 'finish'; readonly job: SweepJob; readonly state: JobState; readonly done: number; readonly total: number }
  | { readonly type: 'skip'; readonly job: SweepJob; readonly reason: string };

/** Options of {@link runSweepLocally}. */
export interface LocalRunOptions {
  readonly sweep: Sweep;
  /** Jobs run at once, each in its own process. @default 1 */
  readonly workers?: number;
  /** The command that runs `asng`: `[process.execPath, '/path/to/asng.js']`, the job's arguments follow. */
  readonly asng: readonly string[];
  /** Run the failed jobs again (by default a failed job stays failed: it failed for a reason). */
  readonly retryFailed?: boolean;
  /** Arguments added to every job, for example `['--backend', 'wasm', '--threads', '1']`. */
  readonly extraArgs?: readonly string[];
  /** Stops the sweep: running jobs get SIGINT (a search checkpoints and stops), nothing new starts. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: SweepEvent) => void;
}

/** The exit code of a command stopped by Ctrl-C (SIGINT): the job is interrupted, not failed. */
const INTERRUPTED = 130;

/**
 * Waits until no live process holds `job`'s run directory (the `run.lock`
 * heartbeat of `@asng/engine`): the process of a worker that died stops
 * after its current step and checkpoint, and only then may another continue
 * the run. Gives up after `timeoutMs`, naming the holder.
 */
export async function waitForRun(job: SweepJob, timeoutMs = 10 * 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let holder = runLockHolder(job.runDir); holder !== undefined; holder = runLockHolder(job.runDir)) {
    if (Date.now() > end) throw new Error(`${job.runDir}: still in use by process ${holder.pid} on ${holder.host} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The arguments that run `job` now: a search whose run directory holds a
 * checkpoint but no result is resumed (exactly where it stopped), with the
 * job's `--space` (the CLI loads a module a run names only when given it
 * again); everything else runs as defined.
 */
export function jobArgv(job: SweepJob): string[] {
  if (job.command !== 'search' || !existsSync(join(job.runDir, 'checkpoint.bin'))) return [...job.argv];
  // The space, and the settings that are not recorded in the run: the backend and its threads.
  const kept = ['--space', '--backend', '--threads'].flatMap((flag) => {
    const i = job.argv.indexOf(flag);
    return i >= 0 ? [flag, job.argv[i + 1]!] : [];
  });
  return ['resume', job.runDir, ...kept];
}

/**
 * Runs a sweep on this machine: up to `workers` jobs at once, each `asng`
 * command in a child process with `--json --quiet`, a job after its parent
 * completed. The state (`sweep.json`) is written atomically after each
 * change, so a sweep killed at any moment runs again from where it stood:
 * completed jobs are skipped, an interrupted search resumes from its last
 * checkpoint. A job whose process fails is marked failed with the end of its
 * error output and is not retried unless `retryFailed`. Resolves with the
 * final state.
 */
export async function runSweepLocally(options: LocalRunOptions): Promise<SweepState> {
  const { sweep } = options;
  const workers = options.workers ?? 1;
  if (!(Number.isSafeInteger(workers) && workers >= 1)) throw new RangeError(`workers: expected an integer >= 1, got ${String(workers)}`);
  const saved = readSweepState(sweep);
  const jobs: Record<string, JobState> = { ...saved.jobs };
  for (const job of sweep.jobs) {
    const s = jobs[job.id]!;
    // Running in a saved state: the runner died; failed ones again if asked.
    if (s.status === 'running' || (s.status === 'failed' && options.retryFailed === true)) jobs[job.id] = { ...s, status: 'pending' };
  }
  const save = () => writeSweepState(sweep, { ...saved, jobs });
  save();
  const done = () => sweep.jobs.filter((j) => jobs[j.id]!.status === 'completed').length;
  const children = new Map<string, ChildProcess>();
  const onAbort = () => {
    for (const child of children.values()) child.kill('SIGINT');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // A job stopped by SIGINT waits for the next run of the sweep.
  const interrupted = new Set<string>();
  // Taken by a slot (maybe still waiting for its run directory to be free).
  const claimed = new Set<string>();
  const runnable = (): SweepJob | undefined =>
    sweep.jobs.find(
      (j) =>
        jobs[j.id]!.status === 'pending' && !claimed.has(j.id) && !interrupted.has(j.id) && (j.after === undefined || jobs[j.after]?.status === 'completed'),
    );

  const runOne = async (job: SweepJob): Promise<void> => {
    claimed.add(job.id);
    await waitForRun(job);
    const argv = [...jobArgv(job), ...(options.extraArgs ?? []), '--json', '--quiet'];
    const attempt = jobs[job.id]!.attempts + 1;
    jobs[job.id] = { status: 'running', attempts: attempt, worker: 'local' };
    save();
    const started = process.hrtime.bigint();
    const outcome = await runAsng(options.asng, argv, (child) => {
      children.set(job.id, child);
      options.onEvent?.({ type: 'start', job, argv, attempt, running: children.size });
    });
    children.delete(job.id);
    claimed.delete(job.id);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { code, result } = outcome;
    const stopped = code === INTERRUPTED || (code === null && options.signal?.aborted === true);
    if (stopped) interrupted.add(job.id);
    const state: JobState =
      code === 0
        ? { status: 'completed', attempts: attempt, worker: 'local', exitCode: 0, seconds, ...(result !== undefined ? { result } : {}) }
        : stopped
          ? { status: 'pending', attempts: attempt, worker: 'local', seconds }
          : { status: 'failed', attempts: attempt, worker: 'local', ...(code !== null ? { exitCode: code } : {}), seconds, error: outcome.error };
    jobs[job.id] = state;
    save();
    options.onEvent?.({ type: 'finish', job, state, done: done(), total: sweep.jobs.length });
  };

  // Jobs whose parent failed can never run: say so once.
  const blocked = new Set<string>();
  const reportBlocked = () => {
    for (const job of sweep.jobs) {
      if (job.after !== undefined && jobs[job.id]!.status === 'pending' && jobs[job.after]?.status === 'failed' && !blocked.has(job.id)) {
        blocked.add(job.id);
        options.onEvent?.({ type: 'skip', job, reason: `its search ${job.after} failed` });
      }
    }
  };

  const running = new Set<Promise<void>>();
  try {
    for (;;) {
      reportBlocked();
      while (!options.signal?.aborted && running.size < workers) {
        const job = runnable();
        if (job === undefined) break;
        const p = runOne(job).finally(() => running.delete(p));
        running.add(p);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { ...saved, jobs };
}
