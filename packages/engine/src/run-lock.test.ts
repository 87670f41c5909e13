import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunLock, RUN_LOCK_FILE, RunInUseError, runLockHolder } from './run-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const runDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'asng-lock-'));
  dirs.push(d);
  return d;
};

describe('the run lock', () => {
  it('is held while taken, refuses another live holder naming it, and is gone once released', () => {
    const dir = runDir();
    const release = acquireRunLock(dir);
    expect(runLockHolder(dir)).toMatchObject({ pid: process.pid });
    // Another process's fresh lock.
    release();
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
    writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ host: 'elsewhere', pid: 4242 }));
    expect(() => acquireRunLock(dir)).toThrow(RunInUseError);
    expect(() => acquireRunLock(dir)).toThrow(`${join(dir, RUN_LOCK_FILE)}: the run is in use by process 4242 on elsewhere`);
  });

  it('takes over at once the fresh lock of a dead process of this machine (killed with SIGKILL)', () => {
    const dir = runDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ host: hostname(), pid: dead }));
    expect(runLockHolder(dir)).toBeUndefined();
    acquireRunLock(dir)();
    // A live process of this machine holds it.
    writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ host: hostname(), pid: process.ppid }));
    expect(() => acquireRunLock(dir)).toThrow(`the run is in use by process ${process.ppid} on ${hostname()}`);
  });

  it('takes over a stale lock, whose holder stopped its heartbeat', () => {
    const dir = runDir();
    const path = join(dir, RUN_LOCK_FILE);
    writeFileSync(path, JSON.stringify({ host: 'elsewhere', pid: 4242 }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(runLockHolder(dir)).toBeUndefined();
    const release = acquireRunLock(dir);
    expect(runLockHolder(dir)).toMatchObject({ pid: process.pid });
    release();
  });
});
