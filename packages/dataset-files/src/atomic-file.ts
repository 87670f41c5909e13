import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Marks temporary files: `<name>.asng-tmp-<pid>-<n>`, the pattern the engine's atomic writes use too. */
const TEMP_MARKER = '.asng-tmp-';
let tempCounter = 0;

/**
 * A file being written under a temporary name beside its destination, renamed
 * over the destination by {@link AtomicFile.commit} once complete, so that the
 * destination is never seen half-written. Every error of the file system names
 * the destination; on failure the temporary file is removed.
 */
export interface AtomicFile {
  /** The final path. */
  readonly destination: string;
  /** The temporary path being written (by default `<destination>.asng-tmp-<pid>-<n>`). */
  readonly temporary: string;
  /** The open temporary file, for reads; write with {@link AtomicFile.write}. */
  readonly handle: FileHandle;
  /**
   * Writes `bytes` at `position` (or after the last write).
   *
   * @throws An `Error` naming the destination (with the system error's `code`); the temporary file is kept until {@link AtomicFile.abort}.
   */
  write(bytes: Uint8Array, position?: number): Promise<void>;
  /**
   * Flushes the file to disk and renames it over the destination. With
   * `keepOpen` the handle stays open, for reads of the renamed file, until
   * {@link AtomicFile.abort} or `handle.close()`.
   *
   * @throws An `Error` naming the destination; the temporary file is removed first (and the handle closed, unless `keepOpen`).
   */
  commit(options?: { readonly keepOpen?: boolean }): Promise<void>;
  /** Closes the file and removes the temporary file unless committed; never throws. */
  abort(): Promise<void>;
}

/** Options of {@link openAtomicFile}. */
export interface OpenAtomicFileOptions {
  /**
   * The temporary path, in the destination's directory (a rename cannot cross
   * file systems), for a caller that cleans up its own pattern.
   * @default `<destination>.asng-tmp-<pid>-<n>`, which {@link removeAbandonedTemporaries} recognises
   */
  readonly temporary?: string;
}

/**
 * Opens a temporary file beside `destination` for writing (and reading),
 * truncating it if it exists. Its directory must exist.
 *
 * @throws An `Error` naming the destination if the temporary file cannot be created.
 */
export async function openAtomicFile(destination: string, options: OpenAtomicFileOptions = {}): Promise<AtomicFile> {
  const temporary = options.temporary ?? `${destination}${TEMP_MARKER}${process.pid}-${(tempCounter++).toString(36)}`;
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'w+');
  } catch (error) {
    throw fileError(destination, 'could not create its temporary file', error);
  }
  let committed = false;
  let closed = false;
  let position = 0;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  const discard = async () => {
    await close();
    await rm(temporary, { force: true }).catch(() => undefined);
  };
  return {
    destination,
    temporary,
    handle,
    async write(bytes, at) {
      let offset = 0;
      const start = at ?? position;
      try {
        while (offset < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, start + offset);
          offset += bytesWritten;
        }
      } catch (error) {
        throw fileError(destination, 'could not write the file', error);
      }
      if (at === undefined) position = start + offset;
    },
    async commit(options = {}) {
      try {
        await handle.sync();
        if (!options.keepOpen) {
          closed = true;
          await handle.close();
        }
        await rename(temporary, destination);
      } catch (error) {
        if (options.keepOpen) await rm(temporary, { force: true }).catch(() => undefined);
        else await discard();
        throw fileError(destination, 'could not write the file', error);
      }
      committed = true;
      await syncDirectory(dirname(destination));
    },
    async abort() {
      if (committed) await close();
      else await discard();
    },
  };
}

/**
 * Writes `destination` atomically: `write` fills a temporary file beside it
 * (through {@link AtomicFile.write}), which is flushed and renamed over the
 * destination only once `write` resolves. If `write` throws, its error is
 * thrown unchanged; errors of the file system name the destination. Either
 * way the temporary file is removed, and the destination keeps its previous
 * content (or stays absent).
 */
export async function writeFileAtomically(destination: string, write: (file: AtomicFile) => Promise<void>): Promise<void> {
  const file = await openAtomicFile(destination);
  try {
    await write(file);
  } catch (error) {
    await file.abort();
    throw error;
  }
  await file.commit();
}

/**
 * Removes the temporary files of {@link openAtomicFile} in `dir` whose process
 * is no longer running (left by a kill before the rename), for destinations
 * whose name `accept` returns true for (all by default). Returns the names
 * removed; an unreadable `dir` removes nothing.
 */
export async function removeAbandonedTemporaries(dir: string, accept: (destinationName: string) => boolean = () => true): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^(.*)\.asng-tmp-(\d+)-[0-9a-z]+$/.exec(name);
    if (match === null || !accept(match[1]!)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isProcessRunning(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/** An `Error` `<path>: <what> (<cause's message>)`, with the cause and its `code`. */
function fileError(path: string, what: string, cause: unknown): Error & { code?: string } {
  const message = cause instanceof Error ? cause.message : String(cause);
  const error: Error & { code?: string } = new Error(`${path}: ${what} (${message})`, { cause });
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * Whether a process of this machine with id `pid` exists (signal 0 checks
 * without sending anything; `EPERM` means it exists, owned by another user):
 * a temporary file named after a running process's id is still being written.
 */
export function isProcessRunning(pid: number): boolean {
  if (!(Number.isSafeInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
