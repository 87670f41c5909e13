import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileError } from './atomic-write.js';

/**
 * Creates the directory `path` and its missing parents, like
 * `mkdirSync(path, { recursive: true })`, but fails at once with an error
 * naming `path` where that call cannot succeed: under a read-only or virtual
 * file system (`/proc/x`, where Node's recursive `mkdirSync` loops forever),
 * below a file, or without permission. Does nothing if `path` is already a
 * directory.
 *
 * @throws An `Error` whose message starts with `path` and says what is wrong.
 */
export function createDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== current) {
        missing.push(current);
        current = parent;
        continue;
      }
      throw fileError(path, 'cannot create the directory', error);
    }
    if (!isDirectory) throw new Error(`${path}: cannot create the directory: ${current} is a file, not a directory`);
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw fileError(path, 'cannot create the directory', error);
    }
  }
}
