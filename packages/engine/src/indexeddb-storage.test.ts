import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { indexedDbStorage, type RunLockManager } from './indexeddb-storage.js';
import type { IdbFactory } from './indexeddb.js';
import { RunInUseError } from './run-in-use-error.js';
import { StorageFullError } from './run-storage.js';

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

/** A factory whose object stores' `put` fails as a full disk does, after `allowed` puts. */
function fullAfter(factory: IdbFactory, allowed: number): IdbFactory {
  let puts = 0;
  const wrapStore = (store: Record<string, unknown>) =>
    new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key === 'put')
          return (...args: unknown[]) => {
            if (++puts > allowed) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const wrapDb = (db: Record<string, unknown>) =>
    new Proxy(db, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key === 'transaction')
          return (...args: unknown[]) => {
            const tx = (value as (...a: unknown[]) => Record<string, unknown>).apply(target, args);
            return new Proxy(tx, {
              get(t, k) {
                const v = Reflect.get(t, k, t);
                if (k === 'objectStore') return (name: string) => wrapStore((v as (n: string) => Record<string, unknown>).call(t, name));
                return typeof v === 'function' ? v.bind(t) : v;
              },
              set: (t, k, v) => Reflect.set(t, k, v, t),
            });
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set: (target, key, v) => Reflect.set(target, key, v, target),
    });
  return {
    open(name, version) {
      const request = factory.open(name, version);
      return new Proxy(request, {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (key === 'result' && value) return wrapDb(value as unknown as Record<string, unknown>);
          return typeof value === 'function' ? value.bind(target) : value;
        },
        set: (target, key, v) => Reflect.set(target, key, v, target),
      }) as unknown as ReturnType<IdbFactory['open']>;
    },
  };
}

describe('indexedDbStorage', () => {
  it('writes, appends and reads files, which a new page (a new storage on the same database) finds again', async () => {
    const indexedDB = new IDBFactory();
    const storage = indexedDbStorage({ run: 'a', indexedDB, locks: null });
    expect(storage.location).toBe('indexeddb:asng/a');
    expect(storage.pathOf('log.jsonl')).toBe('indexeddb:asng/a/log.jsonl');
    await storage.open();
    expect(await storage.has('log.jsonl')).toBe(false);
    expect(await storage.read('log.jsonl')).toBeUndefined();
    await storage.write('log.jsonl', '');
    await storage.append('log.jsonl', 'one\n');
    await storage.append('log.jsonl', 'two\n');
    await storage.append('notes.txt', 'appended first\n');
    await storage.write('checkpoint.bin', [Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect(await storage.has('log.jsonl')).toBe(true);
    expect(await storage.has('notes.txt')).toBe(true);
    expect(text(await storage.read('log.jsonl'))).toBe('one\ntwo\n');
    expect(text(await storage.read('notes.txt'))).toBe('appended first\n');
    storage.close();

    const reloaded = indexedDbStorage({ run: 'a', indexedDB, locks: null });
    expect([...((await reloaded.read('checkpoint.bin')) ?? [])]).toEqual([1, 2, 3]);
    expect(text(await reloaded.read('log.jsonl'))).toBe('one\ntwo\n');
    // A write replaces the appended pieces too.
    await reloaded.write('log.jsonl', 'one\n');
    await reloaded.append('log.jsonl', 'three\n');
    expect(text(await reloaded.read('log.jsonl'))).toBe('one\nthree\n');
    expect(await reloaded.removeLeftovers()).toEqual([]);
  });

  it('keeps runs apart, lists and clears one run', async () => {
    const indexedDB = new IDBFactory();
    const a = indexedDbStorage({ run: 'a', indexedDB, locks: null });
    const b = indexedDbStorage({ run: 'b', indexedDB, locks: null });
    await a.write('config.json', '{}');
    await a.append('log.jsonl', 'x\n');
    await b.write('config.json', '{"b":1}');
    expect(await a.names()).toEqual(['config.json', 'log.jsonl']);
    expect(text(await b.read('config.json'))).toBe('{"b":1}');
    await a.clear();
    expect(await a.names()).toEqual([]);
    expect(await a.has('log.jsonl')).toBe(false);
    expect(await b.names()).toEqual(['config.json']);
  });

  it('a full storage gives a StorageFullError saying what to do, and keeps the previous checkpoint whole', async () => {
    const indexedDB = new IDBFactory();
    const storage = indexedDbStorage({ run: 'full', indexedDB: fullAfter(indexedDB, 1), locks: null });
    await storage.write('checkpoint.bin', Uint8Array.of(1, 2, 3));
    await storage.append('log.jsonl', 'kept\n');
    const failure = storage.write('checkpoint.bin', Uint8Array.of(9, 9, 9, 9));
    await expect(failure).rejects.toThrow(StorageFullError);
    await expect(failure).rejects.toThrow(
      /^indexeddb:asng\/full\/checkpoint\.bin: the storage is full \(or the browser refused to store more\), and nothing of this write was kept: free space/,
    );
    expect([...((await storage.read('checkpoint.bin')) ?? [])]).toEqual([1, 2, 3]);
    // The write deletes the log's pieces and puts the file in one transaction: neither half happened.
    const log = storage.write('log.jsonl', 'replaced\n');
    await expect(log).rejects.toThrow(StorageFullError);
    expect(text(await storage.read('log.jsonl'))).toBe('kept\n');
  });

  it('says what to do when there is no IndexedDB, or the browser refuses it', async () => {
    await expect(indexedDbStorage({ run: 'a', indexedDB: undefined, locks: null }).open()).rejects.toThrow(
      /^indexeddb:asng\/a: IndexedDB is not available here .*memoryStorage\(\)/,
    );
    const refusing: IdbFactory = {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    };
    await expect(indexedDbStorage({ run: 'a', indexedDB: refusing, locks: null }).read('log.jsonl')).rejects.toThrow(
      /^indexeddb:asng\/a: the browser refused to open IndexedDB \(SecurityError: The operation is insecure\.\): .*allow this site to store data/,
    );
    expect(() => indexedDbStorage({ run: '', indexedDB: new IDBFactory() })).toThrow(/options.run: expected the run's name, got ""/);
    await expect(indexedDbStorage({ run: 'a', indexedDB: new IDBFactory(), locks: null }).read('../x')).rejects.toThrow(
      /expected a file name of the run \(no '\/' or '\\'\), got "..\/x"/,
    );
  });

  it('locks a run within the page, or with Web Locks across tabs', async () => {
    const indexedDB = new IDBFactory();
    const first = indexedDbStorage({ run: 'locked', indexedDB, locks: null });
    const release = await first.lock();
    await expect(indexedDbStorage({ run: 'locked', indexedDB, locks: null }).lock()).rejects.toThrow(RunInUseError);
    await release();
    await release();
    const again = await first.lock();
    await again();

    const held = new Set<string>();
    const locks: RunLockManager = {
      async request(name, _options, callback) {
        if (held.has(name)) return callback(null);
        held.add(name);
        await callback({ name });
        held.delete(name);
        return undefined;
      },
    };
    const tab = indexedDbStorage({ run: 'locked', indexedDB, locks });
    const releaseTab = await tab.lock();
    await expect(indexedDbStorage({ run: 'locked', indexedDB, locks }).lock()).rejects.toThrow(
      /^indexeddb:asng\/locked: the run is in use by another search \(in another tab or window of this browser, or in this page\)/,
    );
    await releaseTab();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(held.size).toBe(0);
  });
});
