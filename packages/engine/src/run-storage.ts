/**
 * The names under which the search loop keeps a run, in any storage: the
 * files of a run directory in Node.js, the records of an IndexedDB database
 * in a browser.
 */
export const RUN_FILES = {
  /** The run's settings, data fingerprint and environment (indented JSON). */
  config: 'config.json',
  /** One JSON entry per line: each step, each epoch, an error. */
  log: 'log.jsonl',
  /** The latest checkpoint (the `encodeCheckpoint` layout). */
  checkpoint: 'checkpoint.bin',
  /** The `SearchResult` of a completed search (indented JSON). */
  result: 'result.json',
  /** The most likely architecture, as text. */
  architecture: 'architecture.txt',
} as const;

/** Releases a lock taken by {@link RunStorage.lock}; calling it twice does nothing. */
export type ReleaseRunLock = () => Promise<void>;

/**
 * Where a search keeps its run: its settings, log, checkpoints and results,
 * each a named file of bytes. `runSearch` and `resumeSearch` use nothing
 * else, so the same loop runs on a file system ({@link fileSystemStorage},
 * Node.js), in IndexedDB ({@link indexedDbStorage}, a browser; a run survives
 * a reload) or in memory ({@link memoryStorage}).
 *
 * Every `write` is all-or-nothing: after a crash, a kill or a full disk the
 * file holds its previous contents or its new ones, never a part. `append`
 * adds to a file; a torn append is the log's business (its reader drops a
 * torn line).
 */
export interface RunStorage {
  /** Where the run lives, for messages and `SearchResult.runDir`: a directory, or `indexeddb:<database>/<run>`. */
  readonly location: string;
  /** How messages name the file `name` of the run: `<runDir>/checkpoint.bin`, `indexeddb:asng/run-1/checkpoint.bin`. */
  pathOf(name: string): string;
  /** Makes the run's place ready (creates the directory); fails with an error naming it when it cannot. */
  open(): Promise<void>;
  /**
   * Takes the run for this process or page, so that two never write one run;
   * throws a `RunInUseError` while another live one holds it. Returns the
   * release function.
   */
  lock(): Promise<ReleaseRunLock>;
  /** Removes what writes killed half way left behind (temporary files); returns their names. */
  removeLeftovers(): Promise<readonly string[]>;
  /** Whether the file `name` exists. */
  has(name: string): Promise<boolean>;
  /** The bytes of the file `name`, or `undefined` when it does not exist. */
  read(name: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces the file `name` with `data` (text as UTF-8, bytes, or pieces of
   * bytes one after the other), all or nothing.
   *
   * @throws An `Error` naming the file and what failed; a full or refused
   * storage says so and what to do (a `StorageFullError` in a browser).
   */
  write(name: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Adds `text` (UTF-8) at the end of the file `name`, creating it if needed. */
  append(name: string, text: string): Promise<void>;
}

/** The storage is full, or the browser refused to store more: nothing of the write was kept. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(
    /** The file that could not be written. */
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(
      `${path}: the storage is full (or the browser refused to store more), and nothing of this write was kept: ` +
        'free space (delete old runs, or site data in the browser settings), or allow this site to store more, then resume the run',
      options,
    );
  }
}

/** Checks that `name` names a file of a run: not empty, no `/` or `\`, not `.` or `..`. */
export function checkRunFileName(name: string, where: string): void {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[\\/]/.test(name)) {
    throw new TypeError(`${where}: expected a file name of the run (no '/' or '\\'), got ${JSON.stringify(name)}`);
  }
}

/** `data` as bytes, pieces joined. */
export function bytesOf(data: string | Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(data.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const piece of data) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/**
 * Keeps the entries of a JSONL log up to `step` (those a resumed run will not
 * write again) and drops the rest and any torn line.
 */
export function logUpToStep(text: string, step: number): string {
  const kept = text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      const entry = JSON.parse(line) as { step?: number };
      return (entry.step ?? 0) <= step;
    } catch {
      return false;
    }
  });
  return kept.length > 0 ? `${kept.join('\n')}\n` : '';
}
