import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { jobArgv, waitForRun } from './local-runner.js';
import { runAsng } from './run-asng.js';
import type { Sweep, SweepJob } from './sweep-file.js';
import type { JobState, SweepState } from './sweep-state.js';

/** The BullMQ queue every sweep's jobs go to: a worker serves any sweep. */
export const QUEUE_NAME = 'asng-sweeps';

/** What a queued job carries: the job itself and the jobs to queue once it completed. */
export interface QueuedJobData {
  readonly sweep: string;
  readonly job: SweepJob;
  readonly dependents: readonly SweepJob[];
}

/** The BullMQ job id of a sweep job (BullMQ ids may not contain ':'). */
export const queueJobId = (sweepName: string, jobId: string): string => `${sweepName}--${jobId}`;

/**
 * Connection options for `redis://[:password@]host[:port][/db]`: no limit
 * on retries per request, so that workers wait for a restarted Redis
 * instead of failing.
 */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`--redis: expected a URL such as redis://localhost:6379, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:') throw new RangeError(`--redis: expected a redis:// URL, got ${JSON.stringify(url)}`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) throw new RangeError(`--redis: expected a database number after the host, got ${JSON.stringify(parsed.pathname)}`);
  return {
    host: parsed.hostname || 'localhost',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    maxRetriesPerRequest: null,
  };
}

/** How often an interrupted job (its worker stopped or killed) is taken up again before it counts as failed. */
const ATTEMPTS = 50;

const jobOptions = (sweep: string, job: SweepJob) => ({
  jobId: queueJobId(sweep, job.id),
  attempts: ATTEMPTS,
  backoff: { type: 'fixed' as const, delay: 1000 },
  removeOnComplete: false,
  removeOnFail: false,
});

const dataOf = (sweep: Sweep, job: SweepJob): QueuedJobData => ({ sweep: sweep.name, job, dependents: sweep.jobs.filter((j) => j.after === job.id) });

/**
 * Queues a sweep's jobs: those without a parent, and those whose parent has
 * completed (a worker queues the others when their parent completes). A job
 * already in the queue, in any state, is left as it is: submitting the same
 * sweep twice runs nothing twice. Resolves with the ids added and those found.
 */
export async function submitSweep(options: { readonly sweep: Sweep; readonly redis: string }): Promise<{ added: string[]; existing: string[] }> {
  const { sweep } = options;
  const queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection: redisConnection(options.redis) });
  const added: string[] = [];
  const existing: string[] = [];
  try {
    for (const job of sweep.jobs) {
      const id = queueJobId(sweep.name, job.id);
      if ((await queue.getJob(id)) !== undefined) {
        existing.push(job.id);
        continue;
      }
      const parent = job.after === undefined ? undefined : await queue.getJob(queueJobId(sweep.name, job.after));
      if (job.after !== undefined && (parent === undefined || !(await parent.isCompleted()))) continue;
      await queue.add(job.id, dataOf(sweep, job), jobOptions(sweep.name, job));
      added.push(job.id);
    }
  } finally {
    await queue.close();
  }
  return { added, existing };
}

/** Where a queued job stands, as the sweep's {@link JobState}. */
export async function queueState(options: { readonly sweep: Sweep; readonly redis: string }): Promise<SweepState> {
  const { sweep } = options;
  const queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection: redisConnection(options.redis) });
  const jobs: Record<string, JobState> = {};
  try {
    for (const job of sweep.jobs) {
      const queued = await queue.getJob(queueJobId(sweep.name, job.id));
      if (queued === undefined) {
        jobs[job.id] = { status: 'pending', attempts: 0 };
        continue;
      }
      const state = await queued.getState();
      const seconds = queued.finishedOn !== undefined && queued.processedOn !== undefined ? (queued.finishedOn - queued.processedOn) / 1000 : undefined;
      jobs[job.id] = {
        status: state === 'completed' ? 'completed' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'pending',
        attempts: queued.attemptsStarted ?? queued.attemptsMade,
        ...(queued.processedBy !== undefined ? { worker: queued.processedBy } : {}),
        ...(seconds !== undefined ? { seconds } : {}),
        ...(state === 'failed' && queued.failedReason ? { error: queued.failedReason } : {}),
        ...(state === 'completed' && queued.returnvalue !== undefined && queued.returnvalue !== null ? { result: queued.returnvalue } : {}),
      };
    }
  } finally {
    await queue.close();
  }
  return { format: 'asng-sweep', version: 1, name: sweep.name, jobs };
}

/** What {@link startWorker} reports. */
export type WorkerEvent =
  | { readonly type: 'start'; readonly sweep: string; readonly job: SweepJob; readonly argv: readonly string[]; readonly attempt: number }
  | { readonly type: 'completed'; readonly sweep: string; readonly job: SweepJob; readonly result: unknown }
  | { readonly type: 'failed'; readonly sweep: string; readonly job: SweepJob; readonly error: string; readonly retried: boolean };

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  readonly redis: string;
  /** The command that runs `asng`; the job's arguments follow. */
  readonly asng: readonly string[];
  /** Jobs at once. @default 1 */
  readonly concurrency?: number;
  /** Shown in the sweep's status. @default host name and process id */
  readonly name?: string;
  /** Arguments added to every job (`--backend`, `--threads`). */
  readonly extraArgs?: readonly string[];
  /**
   * Milliseconds a job stays locked to this worker without a renewal; a
   * worker killed with its jobs loses them to another after this (BullMQ's
   * stall detection). @default 30000
   */
  readonly lockDuration?: number;
  readonly onEvent?: (event: WorkerEvent) => void;
}

/** A running worker: `close()` stops taking jobs, interrupts the running ones (they checkpoint and are queued again) and disconnects. */
export interface SweepWorker {
  close(): Promise<void>;
}

/**
 * Takes jobs of any sweep from the queue and runs each as an `asng` child
 * process (a search whose run directory holds a checkpoint resumes from it):
 * the way a worker on any machine serves a sweep whose run directories are
 * on a shared file system. A job that fails for a reason (exit code 1 or 2)
 * fails for good with its error; one that was interrupted (exit 130, or its
 * worker stopped) is queued again, as is the job of a worker killed outright
 * once its lock expires. A job whose lock this worker fails to renew (a
 * stall or a Redis outage longer than the lock) has its child stopped at
 * once (it checkpoints; the job is queued again), so that it never runs
 * beside its retry. A completed job queues its dependents.
 */
export function startWorker(options: WorkerOptions): SweepWorker {
  const connection = redisConnection(options.redis);
  const queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection });
  // The child of each running job, by queue job id: a job whose lock this worker lost (an event-loop
  // stall or a Redis outage longer than the lock) is stopped, so that it never runs beside its retry.
  const running = new Map<string, ChildProcess>();
  const lostLocks = new Set<string>();
  let closing = false;
  const worker = new Worker<QueuedJobData>(
    QUEUE_NAME,
    async (queued: Job<QueuedJobData>) => {
      const { job, dependents, sweep } = queued.data;
      await waitForRun(job);
      const argv = [...jobArgv(job), ...(options.extraArgs ?? []), '--json', '--quiet'];
      options.onEvent?.({ type: 'start', sweep, job, argv, attempt: queued.attemptsMade + 1 });
      const id = queued.id ?? '';
      lostLocks.delete(id);
      const outcome = await runAsng(options.asng, argv, (child) => {
        running.set(id, child);
        child.once('close', () => {
          if (running.get(id) === child) running.delete(id);
        });
      });
      if (lostLocks.delete(id)) {
        // Another worker may hold the job by now: whatever the child's outcome, this worker lets it go.
        options.onEvent?.({ type: 'failed', sweep, job, error: 'the lock on the job was lost; stopped and queued again', retried: true });
        throw new Error('interrupted: the lock on the job was lost');
      }
      if (outcome.code === 0) {
        const result = outcome.result ?? null;
        for (const next of dependents) {
          if ((await queue.getJob(queueJobId(sweep, next.id))) === undefined) {
            await queue.add(next.id, { sweep, job: next, dependents: [] }, jobOptions(sweep, next));
          }
        }
        options.onEvent?.({ type: 'completed', sweep, job, result });
        return result;
      }
      const { error } = outcome;
      // A run still held by another process (a race with a dying worker's child) is tried again, not failed.
      const interrupted = outcome.code === 130 || outcome.code === null || closing || /the run is in use by process/.test(error);
      options.onEvent?.({ type: 'failed', sweep, job, error, retried: interrupted });
      if (interrupted) throw new Error(`interrupted: ${error}`);
      throw new UnrecoverableError(error);
    },
    {
      connection,
      concurrency: options.concurrency ?? 1,
      name: options.name ?? `${hostname()}-${process.pid}`,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: Math.max(500, Math.floor((options.lockDuration ?? 30_000) / 2)),
      maxStalledCount: ATTEMPTS,
    },
  );
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) {
      const child = running.get(id);
      if (child === undefined) continue;
      lostLocks.add(id);
      child.kill('SIGINT');
    }
  });
  return {
    async close() {
      closing = true;
      const closed = worker.close();
      for (const child of running.values()) child.kill('SIGINT');
      await closed;
      await queue.close();
    },
  };
}
