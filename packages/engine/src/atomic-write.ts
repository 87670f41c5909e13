import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Called once the temporary file is complete, just before the rename: tests simulate a crash there. */
  readonly beforeRename?: () => void;
}

/**
 * Writes `path` atomically, the one way the engine writes a file that must
 * survive a crash (checkpoints, run settings and results, the rewritten log):
 * to a temporary file beside `path`, flushed to disk, then renamed over
 * `path`. A crash or kill at any moment leaves either the previous file or
 * the new one, never a torn file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): void {
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(temp, 'w');
  try {
    for (const chunk of chunks) {
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    options.beforeRename?.();
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/** Writes `value` as indented JSON with {@link writeFileAtomic}. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
