import { RunInUseError } from './run-in-use-error.js';
import { bytesOf, checkRunFileName, StorageFullError, type ReleaseRunLock, type RunStorage } from './run-storage.js';
import { idbRequest, idbTransactionDone, openIdb, type IdbDatabase, type IdbFactory, type IdbTransaction } from './indexeddb.js';

/** The Web Locks API's `navigator.locks`, as far as {@link indexedDbStorage} uses it. */
export interface RunLockManager {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

/** Options of {@link indexedDbStorage}. */
export interface IndexedDbStorageOptions {
  /** The run's name: one database holds many runs. */
  readonly run: string;
  /** The database's name. @default 'asng' */
  readonly database?: string;
  /** The IndexedDB factory: `fake-indexeddb`'s in tests. @default globalThis.indexedDB */
  readonly indexedDB?: IdbFactory;
  /**
   * Where the run's lock is taken: the Web Locks API, which releases the lock
   * of a closed or reloaded tab at once; `null`, or where the browser has no
   * Web Locks, a lock within this page only.
   * @default globalThis.navigator.locks
   */
  readonly locks?: RunLockManager | null;
}

/** A {@link RunStorage} in IndexedDB, which can also forget its run. */
export interface IndexedDbStorage extends RunStorage {
  /** The names of the run's files, sorted. */
  names(): Promise<string[]>;
  /** Deletes every file of the run (to free space, or to start it again). */
  clear(): Promise<void>;
  /** Closes the database connection; the storage opens it again when used. */
  close(): void;
}

const FILES = 'files';
const APPENDS = 'appends';
const BY_FILE = 'by-file';
/** Runs locked by this page, for browsers without Web Locks. */
const lockedHere = new Set<string>();

/**
 * A run kept in the browser's IndexedDB, so that it survives a reload of the
 * page: `resumeSearch` with the same `run` continues from its last
 * checkpoint. Each file is one record (appends to the log are records of
 * their own, merged when read); each `write`, a whole checkpoint included,
 * is one IndexedDB transaction, so it is kept entirely or not at all. A full
 * or refused storage (`QuotaExceededError`) throws a `StorageFullError`
 * saying what to do, and the previous checkpoint stays. The checkpoint's
 * bytes are those of a Node.js run directory's `checkpoint.bin`.
 *
 * @example
 * ```ts // not runnable
 * const storage = indexedDbStorage({ run: 'fashion-1' });
 * const resumable = await storage.has('checkpoint.bin');
 * ```
 */
export function indexedDbStorage(options: IndexedDbStorageOptions): IndexedDbStorage {
  const { run } = options;
  if (typeof run !== 'string' || run === '') throw new TypeError(`indexedDbStorage: options.run: expected the run's name, got ${JSON.stringify(run)}`);
  const database = options.database ?? 'asng';
  const location = `indexeddb:${database}/${run}`;
  const locks = options.locks === undefined ? (globalThis as { navigator?: { locks?: RunLockManager } }).navigator?.locks : options.locks;
  let connection: Promise<IdbDatabase> | undefined;

  const pathOf = (name: string): string => {
    checkRunFileName(name, 'indexedDbStorage');
    return `${location}/${name}`;
  };
  const db = (): Promise<IdbDatabase> => {
    if (connection === undefined) {
      const factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactory }).indexedDB;
      connection = openIdb(factory, database, location, (upgrade) => {
        if (!upgrade.objectStoreNames.contains(FILES)) upgrade.createObjectStore(FILES);
        if (!upgrade.objectStoreNames.contains(APPENDS)) upgrade.createObjectStore(APPENDS, { autoIncrement: true }).createIndex(BY_FILE, ['run', 'name']);
      });
      connection.catch(() => {
        connection = undefined;
      });
    }
    return connection;
  };
  /** Runs `body` in one transaction, which commits entirely or not at all; errors name `path`. */
  const transact = async <T>(path: string, mode: 'readonly' | 'readwrite', body: (tx: IdbTransaction) => Promise<T>): Promise<T> => {
    let tx: IdbTransaction;
    try {
      tx = (await db()).transaction([FILES, APPENDS], mode);
    } catch (error) {
      throw storageError(location, path, mode, error);
    }
    const done = idbTransactionDone(tx);
    try {
      const value = await body(tx);
      await done;
      return value;
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted: the error below is the one that matters.
      }
      await done.catch(() => undefined);
      throw storageError(location, path, mode, error);
    }
  };
  const fileKeys = async (tx: IdbTransaction, name: string) => idbRequest(tx.objectStore(APPENDS).index(BY_FILE).getAllKeys([run, name]));

  return {
    location,
    pathOf,
    async open() {
      await db();
    },
    async lock() {
      return locks ? webLock(locks, `asng-run:${location}`, location) : pageLock(location);
    },
    async removeLeftovers() {
      return [];
    },
    async has(name) {
      const path = pathOf(name);
      return transact(path, 'readonly', async (tx) => {
        const whole = await idbRequest(tx.objectStore(FILES).count([run, name]));
        return whole > 0 || (await fileKeys(tx, name)).length > 0;
      });
    },
    async read(name) {
      const path = pathOf(name);
      return transact(path, 'readonly', async (tx) => {
        const whole = (await idbRequest(tx.objectStore(FILES).get([run, name]))) as Uint8Array | undefined;
        const appended = (await idbRequest(tx.objectStore(APPENDS).index(BY_FILE).getAll([run, name]))) as { data: Uint8Array }[];
        if (whole === undefined && appended.length === 0) return undefined;
        return bytesOf([whole ?? new Uint8Array(0), ...appended.map((a) => a.data)]).slice();
      });
    },
    async write(name, data) {
      const path = pathOf(name);
      const bytes = bytesOf(data).slice();
      await transact(path, 'readwrite', async (tx) => {
        const appends = tx.objectStore(APPENDS);
        for (const key of await fileKeys(tx, name)) appends.delete(key);
        await idbRequest(tx.objectStore(FILES).put(bytes, [run, name]));
      });
    },
    async append(name, text) {
      const path = pathOf(name);
      await transact(path, 'readwrite', async (tx) => {
        await idbRequest(tx.objectStore(APPENDS).add({ run, name, data: bytesOf(text) }));
      });
    },
    async names() {
      return transact(location, 'readonly', async (tx) => {
        const whole = (await idbRequest(tx.objectStore(FILES).getAllKeys())) as [string, string][];
        const appended = (await idbRequest(tx.objectStore(APPENDS).getAll())) as { run: string; name: string }[];
        const names = [...whole.filter((k) => k[0] === run).map((k) => k[1]), ...appended.filter((a) => a.run === run).map((a) => a.name)];
        return [...new Set(names)].sort();
      });
    },
    async clear() {
      await transact(location, 'readwrite', async (tx) => {
        const files = tx.objectStore(FILES);
        for (const key of (await idbRequest(files.getAllKeys())) as [string, string][]) if (key[0] === run) files.delete(key);
        const appends = tx.objectStore(APPENDS);
        const keys = await idbRequest(appends.getAllKeys());
        const values = (await idbRequest(appends.getAll())) as { run: string }[];
        keys.forEach((key, i) => {
          if (values[i]?.run === run) appends.delete(key);
        });
      });
    },
    close() {
      const open = connection;
      connection = undefined;
      open?.then((d) => d.close()).catch(() => undefined);
    },
  };
}

/** A lock of the Web Locks API, held until released (or until the page goes away). */
async function webLock(locks: RunLockManager, name: string, location: string): Promise<ReleaseRunLock> {
  let release: (() => void) | undefined;
  const held = new Promise<boolean>((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>((done) => {
          release = done;
        });
      })
      .catch(reject);
  });
  if (!(await held)) throw new RunInUseError(location);
  return async () => {
    release?.();
    release = undefined;
  };
}

/** A lock within this page. */
async function pageLock(location: string): Promise<ReleaseRunLock> {
  if (lockedHere.has(location)) throw new RunInUseError(location);
  lockedHere.add(location);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    lockedHere.delete(location);
  };
}

/**
 * The error of a failed storage operation on `path`: a `StorageFullError`
 * when the storage is full or refused; our own errors (those that name the
 * run's `location`) as they are.
 */
function storageError(location: string, path: string, mode: string, error: unknown): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') return new StorageFullError(path, { cause: error });
  if (error instanceof Error && error.message.startsWith(location)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${path}: could not ${mode === 'readonly' ? 'read' : 'write'} IndexedDB (${typeof name === 'string' ? `${name}: ` : ''}${message})`, {
    cause: error,
  });
}
