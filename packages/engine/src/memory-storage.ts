import { RunInUseError } from './run-in-use-error.js';
import { bytesOf, checkRunFileName, type RunStorage } from './run-storage.js';

/** A {@link RunStorage} in memory, with a look at its files. */
export interface MemoryStorage extends RunStorage {
  /** The names of the files held, sorted. */
  names(): string[];
}

/**
 * A run kept in memory, in this process or page only: for tests, and for a
 * search that need not survive a reload. Writes copy the bytes, so the
 * caller may reuse its buffers; the lock refuses a second search on the same
 * storage while the first runs.
 *
 * @param name - names the run in messages (`memory:<name>/checkpoint.bin`). @default 'run'
 */
export function memoryStorage(name = 'run'): MemoryStorage {
  const location = `memory:${name}`;
  // Each file as its pieces: appending to a long log costs no copy of it.
  const files = new Map<string, Uint8Array[]>();
  let locked = false;
  const pathOf = (file: string): string => {
    checkRunFileName(file, 'memoryStorage');
    return `${location}/${file}`;
  };
  return {
    location,
    pathOf,
    async open() {},
    async lock() {
      if (locked) throw new RunInUseError(location);
      locked = true;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        locked = false;
      };
    },
    async removeLeftovers() {
      return [];
    },
    async has(file) {
      pathOf(file);
      return files.has(file);
    },
    async read(file) {
      pathOf(file);
      const pieces = files.get(file);
      return pieces === undefined ? undefined : bytesOf(pieces).slice();
    },
    async write(file, data) {
      pathOf(file);
      files.set(file, [bytesOf(data).slice()]);
    },
    async append(file, text) {
      pathOf(file);
      const pieces = files.get(file);
      if (pieces === undefined) files.set(file, [bytesOf(text)]);
      else pieces.push(bytesOf(text));
    },
    names() {
      return [...files.keys()].sort();
    },
  };
}
