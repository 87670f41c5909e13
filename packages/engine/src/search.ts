import { fileSystemStorage } from './file-system-storage.js';
import { continueSearch, startSearch } from './search-start.js';
import type { SearchOptions, SearchResult } from './search-options.js';
import type { RunStorage } from './run-storage.js';

/** The storage of a run: the one given, or the directory `runDir`. */
function storageOf(options: Pick<SearchOptions, 'runDir' | 'storage'>, caller: string): RunStorage {
  if (options.storage !== undefined) return options.storage;
  if (typeof options.runDir !== 'string' || options.runDir === '') {
    throw new TypeError(`${caller}: expected options.runDir (the run directory) or options.storage, got neither`);
  }
  return fileSystemStorage(options.runDir);
}

/**
 * Runs a one-shot architecture search, as in the paper. Each step draws
 * `lambda` architectures and takes one SGD step on a training batch on their
 * mean loss (momentum, weight decay, gradient clipping, cosine schedule);
 * then `lambda` architectures are evaluated on a validation batch (the held
 * out part of the training split) and their losses are told to the
 * optimizer. Writes a JSONL log, atomic checkpoints, and at the end the most
 * likely architecture with its description, in `options.storage` or else the
 * directory `options.runDir` ({@link fileSystemStorage}).
 *
 * If the run already holds a checkpoint, use {@link resumeSearch} instead;
 * this function refuses to overwrite it.
 */
export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  return startSearch(options, storageOf(options, 'runSearch'));
}

/**
 * Continues the search saved in `options.storage` (or the directory
 * `options.runDir`) exactly where its last checkpoint left it: the numbers
 * that follow are those an uninterrupted run would have produced. The
 * settings are the saved ones.
 *
 * Before anything runs it removes the temporary files of killed writes from
 * the run directory, and refuses, with an error naming the checkpoint and
 * what is wrong: a damaged checkpoint (checksums of its header and arrays),
 * other training data than the run's (its fingerprint), and another
 * environment (backend, versions, `environment`; an `EnvironmentChangeError`)
 * unless `acceptEnvironmentChange` is set. A checkpoint written before these
 * records existed resumes with `onWarning` saying what it could not check.
 */
export async function resumeSearch(options: Omit<SearchOptions, 'config'>): Promise<SearchResult> {
  return continueSearch(options, storageOf(options, 'resumeSearch'));
}
