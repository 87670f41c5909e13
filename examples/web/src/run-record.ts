/**
 * The page's note of its current run in `localStorage`, read after a reload
 * to offer resuming it from its IndexedDB checkpoint.
 */
import type { SearchSettings } from './settings.js';

/** What the page remembers of its current run. */
export interface RunRecord {
  /** The run's name in IndexedDB. */
  readonly runId: string;
  readonly settings: SearchSettings;
  /** What it searches on. */
  readonly data: 'embedded' | 'folder';
  /** `'searching'` also after a reload mid-search: the run then resumes from its last checkpoint. */
  readonly status: 'searching' | 'paused' | 'searched';
  /** The last step known to be checkpointed. */
  readonly checkpointStep: number;
}

const KEY = 'asng-web:run';

/** The current run, if any (`undefined` also when localStorage is unavailable or holds something else). */
export function readRunRecord(): RunRecord | undefined {
  try {
    const text = localStorage.getItem(KEY);
    const record = text === null ? undefined : (JSON.parse(text) as RunRecord);
    return record && typeof record.runId === 'string' && typeof record.settings === 'object' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the current run's note; returns false when the browser refuses (storage full or blocked). */
export function writeRunRecord(record: RunRecord | undefined): boolean {
  try {
    if (record === undefined) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, JSON.stringify(record));
    return true;
  } catch {
    return false;
  }
}

/** A new run's name: time-ordered, unique in this browser. */
export function newRunId(now = new Date()): string {
  return `run-${now.toISOString().replace(/[:.]/g, '-')}`;
}
