import { StorageFullError } from './run-storage.js';

// The parts of the IndexedDB API the engine uses, declared here so that its
// types need neither the DOM library nor a browser (fake-indexeddb fits them).

/** An IndexedDB request (`IDBRequest`). */
export interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** An IndexedDB index (`IDBIndex`). */
export interface IdbIndex {
  getAll(query?: unknown): IdbRequest<unknown[]>;
  getAllKeys(query?: unknown): IdbRequest<unknown[]>;
}

/** An IndexedDB object store (`IDBObjectStore`). */
export interface IdbObjectStore {
  get(key: unknown): IdbRequest<unknown>;
  getAll(query?: unknown): IdbRequest<unknown[]>;
  getAllKeys(query?: unknown): IdbRequest<unknown[]>;
  count(key?: unknown): IdbRequest<number>;
  put(value: unknown, key?: unknown): IdbRequest<unknown>;
  add(value: unknown, key?: unknown): IdbRequest<unknown>;
  delete(key: unknown): IdbRequest<undefined>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | string[]): unknown;
}

/** An IndexedDB transaction (`IDBTransaction`). */
export interface IdbTransaction {
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  oncomplete: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onabort: ((event: never) => void) | null;
}

/** An open IndexedDB database (`IDBDatabase`). */
export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string, options?: { autoIncrement?: boolean }): IdbObjectStore;
  close(): void;
  onversionchange: ((event: never) => void) | null;
}

/** The request of `IDBFactory.open`. */
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((event: never) => void) | null;
  onblocked: ((event: never) => void) | null;
}

/** The IndexedDB factory (`globalThis.indexedDB`, or `new IDBFactory()` of fake-indexeddb). */
export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
}

/** The result of `request`, or its error. */
export function idbRequest<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Resolves when `tx` commits; rejects with its error when it fails or is
 * aborted. A handler is attached at once, so a failure before anyone awaits
 * it is not reported as unhandled.
 */
export function idbTransactionDone(tx: IdbTransaction): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
  });
  done.catch(() => undefined);
  return done;
}

/**
 * Opens (creating or upgrading with `upgrade`) the database `name` at
 * version 1. Errors start with `location` and say what to do: no IndexedDB
 * here, storage refused (a private window, site data blocked), storage full
 * (a `StorageFullError`), or an older version held open by another tab.
 */
export function openIdb(factory: IdbFactory | undefined, name: string, location: string, upgrade: (db: IdbDatabase) => void): Promise<IdbDatabase> {
  return new Promise((resolve, reject) => {
    if (factory === undefined || typeof factory?.open !== 'function') {
      reject(
        new Error(
          `${location}: IndexedDB is not available here (an old browser, or storage turned off): keep the run in memory with memoryStorage(), which does not survive a reload`,
        ),
      );
      return;
    }
    let request: IdbOpenRequest;
    try {
      request = factory.open(name, 1);
    } catch (error) {
      reject(refused(location, error));
      return;
    }
    request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => {
      const db = request.result;
      // Let a newer version of the page upgrade the database.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(refused(location, request.error));
    request.onblocked = () =>
      reject(new Error(`${location}: the database is held open by another tab of an older version of this page: close the other tabs, then reload`));
  });
}

function refused(location: string, error: unknown): Error {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') return new StorageFullError(location, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `${location}: the browser refused to open IndexedDB (${typeof name === 'string' ? `${name}: ` : ''}${message}): ` +
      'site data may be blocked for this page, or this is a private window; allow this site to store data, or use memoryStorage() (a run that does not survive a reload)',
    { cause: error },
  );
}
