import { readFileSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { RunInUseError, type RunLockHolder } from './run-in-use-error.js';

export { RunInUseError, type RunLockHolder } from './run-in-use-error.js';

/** The file that says a process is working on a run directory. */
export const RUN_LOCK_FILE = 'run.lock';
/** A lock not refreshed for this long belongs to a process that is gone. */
export const RUN_LOCK_STALE_MS = 15_000;
const HEARTBEAT_MS = 4_000;

/** The live holder of `runDir`'s lock, or `undefined` when there is none or it is stale. */
export function runLockHolder(runDir: string): RunLockHolder | undefined {
  const path = join(runDir, RUN_LOCK_FILE);
  let ageMs: number;
  let owner: { host?: unknown; pid?: unknown };
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
    owner = JSON.parse(readFileSync(path, 'utf8')) as typeof owner;
  } catch {
    return undefined;
  }
  if (ageMs > RUN_LOCK_STALE_MS) return undefined;
  const holder = { host: String(owner.host ?? '?'), pid: Number(owner.pid ?? 0), ageMs: Math.max(0, ageMs) };
  // On this machine a dead holder (killed with SIGKILL) is known at once, without waiting for its heartbeat to age.
  if (holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid)) return undefined;
  return holder;
}

/** Whether a process of this machine exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  if (!(Number.isSafeInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `runDir`'s lock for this process (a file whose time a heartbeat
 * refreshes, so that it works on a shared file system across machines);
 * throws a {@link RunInUseError} while another live process holds it. A
 * stale lock (its holder died) is taken over. Returns the release function.
 */
export function acquireRunLock(runDir: string): () => void {
  const path = join(runDir, RUN_LOCK_FILE);
  const holder = runLockHolder(runDir);
  if (holder !== undefined && !(holder.host === hostname() && holder.pid === process.pid)) throw new RunInUseError(path, holder);
  const mine = JSON.stringify({ host: hostname(), pid: process.pid });
  writeFileAtomic(path, mine);
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The directory is gone or unwritable: the run's own writes will say so.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    try {
      if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}
