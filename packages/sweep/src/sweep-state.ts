import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDirectory, writeJsonAtomic } from '@asng/engine';
import type { Sweep } from './sweep-file.js';

/** Where a job stands. `running` in a saved state means the runner was stopped or killed while it ran. */
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed';

/** What the sweep knows of one job. */
export interface JobState {
  readonly status: JobStatus;
  /** Times it was started. */
  readonly attempts: number;
  /** Who ran it last: `local` or a worker's name. */
  readonly worker?: string;
  readonly exitCode?: number;
  /** Why it failed: the end of its error output. */
  readonly error?: string;
  /** Wall-clock seconds of its last attempt. */
  readonly seconds?: number;
  /** The JSON its command printed last (`--json`). */
  readonly result?: unknown;
}

/** The state file of a sweep (`sweep.json` in its runs directory). */
export interface SweepState {
  readonly format: 'asng-sweep';
  readonly version: 1;
  readonly name: string;
  /** By job id; every job of the sweep has an entry. */
  readonly jobs: Readonly<Record<string, JobState>>;
}

/** The state file of `sweep`. */
export const statePath = (sweep: Sweep): string => join(sweep.runsDir, 'sweep.json');

/**
 * The saved state of a sweep, with an entry for every job of its current
 * definition (new jobs pending; jobs no longer defined are dropped from the
 * view but kept in the file). Throws naming the file when it is damaged or
 * belongs to another sweep.
 */
export function readSweepState(sweep: Sweep): SweepState {
  const path = statePath(sweep);
  let saved: SweepState | undefined;
  if (existsSync(path)) {
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as SweepState;
    } catch (error) {
      throw new Error(`${path}: not valid JSON (${(error as Error).message}); move it away to start the sweep's bookkeeping afresh`);
    }
    if (saved?.format !== 'asng-sweep' || saved.version !== 1 || typeof saved.jobs !== 'object' || saved.jobs === null) {
      throw new Error(`${path}: not the state of an asng sweep (expected format 'asng-sweep', version 1)`);
    }
    if (saved.name !== sweep.name) throw new Error(`${path}: holds sweep '${saved.name}', not '${sweep.name}'; give this sweep another runs directory`);
  }
  const jobs: Record<string, JobState> = { ...saved?.jobs };
  for (const job of sweep.jobs) jobs[job.id] ??= { status: 'pending', attempts: 0 };
  return { format: 'asng-sweep', version: 1, name: sweep.name, jobs };
}

/** Writes the state atomically (a killed runner leaves the previous state whole). */
export function writeSweepState(sweep: Sweep, state: SweepState): void {
  createDirectory(sweep.runsDir);
  writeJsonAtomic(statePath(sweep), state);
}

/** Counts of jobs by status, for the jobs of the current definition. */
export function countByStatus(sweep: Sweep, state: SweepState): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = { pending: 0, running: 0, completed: 0, failed: 0 };
  for (const job of sweep.jobs) counts[state.jobs[job.id]?.status ?? 'pending']++;
  return counts;
}
