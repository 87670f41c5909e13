import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, removeLeftoverTempFiles, writeFileAtomic } from './atomic-write.js';
import { createDirectory } from './create-directory.js';
import { appendText } from './run-directory.js';
import { acquireRunLock } from './run-lock.js';
import { checkRunFileName, RUN_FILES, type RunStorage } from './run-storage.js';

/**
 * A run kept in the directory `runDir` (Node.js): each file of the run is a
 * file there, written atomically by `writeFileAtomic` (a temporary file
 * beside it, flushed, renamed over it), the log appended to, and the run
 * locked by the file `run.lock` with a heartbeat (`acquireRunLock`).
 * `removeLeftovers` removes the temporary files of killed writes
 * (`removeLeftoverTempFiles`). The default storage of `runSearch` and
 * `resumeSearch`.
 *
 * @example
 * ```ts // not runnable
 * await runSearch({ space, dataset, storage: fileSystemStorage('runs/a') });
 * ```
 */
export function fileSystemStorage(runDir: string): RunStorage {
  if (typeof runDir !== 'string' || runDir === '')
    throw new TypeError(`fileSystemStorage: expected the path of the run directory, got ${JSON.stringify(runDir)}`);
  const pathOf = (name: string): string => {
    checkRunFileName(name, 'fileSystemStorage');
    return join(runDir, name);
  };
  return {
    location: runDir,
    pathOf,
    async open() {
      createDirectory(runDir);
    },
    async lock() {
      const release = acquireRunLock(runDir);
      return async () => release();
    },
    async removeLeftovers() {
      return removeLeftoverTempFiles(runDir);
    },
    async has(name) {
      return existsSync(pathOf(name));
    },
    async read(name) {
      const path = pathOf(name);
      if (!existsSync(path)) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        throw fileError(path, 'could not read the file', error);
      }
    },
    async write(name, data) {
      writeFileAtomic(pathOf(name), data);
    },
    async append(name, text) {
      appendText(pathOf(name), text, name === RUN_FILES.log ? 'could not append to the log' : 'could not append to the file');
    },
  };
}
