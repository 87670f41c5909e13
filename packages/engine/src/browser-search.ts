import type { RunStorage } from './run-storage.js';
import { continueSearch, startSearch } from './search-start.js';
import type { SearchOptions, SearchResult } from './search-options.js';

/** The options of the browser's {@link runSearch}: a storage instead of a run directory. */
export type BrowserSearchOptions = Omit<SearchOptions, 'runDir' | 'storage'> & {
  /** Where the run is kept: `indexedDbStorage({ run })` (survives a reload) or `memoryStorage()`. */
  readonly storage: RunStorage;
};

function storageOf(options: { readonly storage?: RunStorage }, caller: string): RunStorage {
  const storage = options.storage;
  if (storage === undefined || typeof storage !== 'object' || typeof storage.write !== 'function') {
    throw new TypeError(`${caller}: expected options.storage, a RunStorage such as indexedDbStorage({ run: 'my-run' }) or memoryStorage()`);
  }
  return storage;
}

/**
 * Runs a one-shot architecture search in a browser (or any JavaScript
 * runtime), keeping the run in `options.storage`: the search loop of the
 * Node.js `runSearch`, step for step the same numbers, with its settings,
 * JSONL log, checkpoints and results as files of the storage. Refuses a
 * storage that already holds a search: use {@link resumeSearch}.
 *
 * @example
 * ```ts // not runnable
 * const storage = indexedDbStorage({ run: 'fashion-1' });
 * const result = await runSearch({ space, dataset, storage, config: { steps: 200 }, signal });
 * ```
 */
export async function runSearch(options: BrowserSearchOptions): Promise<SearchResult> {
  return startSearch(options, storageOf(options, 'runSearch'));
}

/**
 * Continues the search saved in `options.storage` exactly where its last
 * checkpoint left it (after a pause, or a reload of the page), refusing a
 * damaged checkpoint, other data or another environment as the Node.js
 * `resumeSearch` does.
 */
export async function resumeSearch(options: Omit<BrowserSearchOptions, 'config'>): Promise<SearchResult> {
  return continueSearch(options, storageOf(options, 'resumeSearch'));
}
