import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, writeFileAtomic } from './atomic-write.js';

/** Paths of the files of a run. */
export function runFiles(runDir: string) {
  return {
    config: join(runDir, 'config.json'),
    log: join(runDir, 'log.jsonl'),
    checkpoint: join(runDir, 'checkpoint.bin'),
    result: join(runDir, 'result.json'),
    architecture: join(runDir, 'architecture.txt'),
  };
}

/**
 * Appends one entry (a step, an epoch, an error) to the JSONL log at `path`.
 * An append, not an atomic write: a line torn by a kill or a full disk is
 * dropped by {@link truncateLog} at resume.
 */
export function appendLogEntry(path: string, entry: unknown): void {
  try {
    appendFileSync(path, `${JSON.stringify(entry)}\n`);
  } catch (error) {
    throw fileError(path, 'could not append to the log', error);
  }
}

/**
 * Keeps the entries of the JSONL log at `path` up to `step` (those a resumed
 * run will not write again) and drops the rest and any torn line.
 */
export function truncateLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        const entry = JSON.parse(line) as { step?: number };
        return (entry.step ?? 0) <= step;
      } catch {
        return false;
      }
    });
  writeFileAtomic(path, kept.length > 0 ? `${kept.join('\n')}\n` : '');
}
