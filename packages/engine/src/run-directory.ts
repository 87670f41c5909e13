import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, writeFileAtomic } from './atomic-write.js';
import { logUpToStep, RUN_FILES } from './run-storage.js';

/** Paths of the files of a run directory (the names of `RUN_FILES` in `runDir`). */
export function runFiles(runDir: string) {
  return {
    config: join(runDir, RUN_FILES.config),
    log: join(runDir, RUN_FILES.log),
    checkpoint: join(runDir, RUN_FILES.checkpoint),
    result: join(runDir, RUN_FILES.result),
    architecture: join(runDir, RUN_FILES.architecture),
  };
}

/**
 * Appends one entry (a step, an epoch, an error) to the JSONL log at `path`.
 * An append, not an atomic write: a line torn by a kill or a full disk is
 * dropped by {@link truncateLog} at resume.
 */
export function appendLogEntry(path: string, entry: unknown): void {
  appendText(path, `${JSON.stringify(entry)}\n`, 'could not append to the log');
}

/** Appends `text` to the file at `path`; errors say `<path>: <what> (<cause>)`. */
export function appendText(path: string, text: string, what = 'could not append to the file'): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw fileError(path, what, error);
  }
}

/**
 * Keeps the entries of the JSONL log at `path` up to `step` (those a resumed
 * run will not write again) and drops the rest and any torn line.
 */
export function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  writeFileAtomic(path, logUpToStep(readFileSync(path, 'utf8'), step));
}
