import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Called once the temporary file is complete, just before the rename: tests simulate a crash there. */
  readonly beforeRename?: () => void;
}

/** Marks the temporary files of {@link writeFileAtomic}: `<name>.asng-tmp-<pid>-<n>`. */
const TEMP_MARKER = '.asng-tmp-';
/** Temporary files: ours, and those of engine versions before the marker (`<name>.tmp-<pid>-<milliseconds>`). */
const TEMP_NAME = /(\.asng-tmp-\d+-[0-9a-z]+|\.tmp-\d+-\d+)$/;
let tempCounter = 0;

/** A fresh temporary path beside `path`, in the pattern that {@link removeLeftoverTempFiles} recognises. */
export function temporaryPathFor(path: string): string {
  return `${path}${TEMP_MARKER}${process.pid}-${(tempCounter++).toString(36)}`;
}

/**
 * Writes `path` atomically: to a temporary file beside it
 * (`<name>.asng-tmp-<pid>-<n>`), flushed to disk with `fsync`, then renamed
 * over `path`. A crash or kill at any moment leaves either the previous file
 * or the new one, never a torn file; a kill can leave the temporary file,
 * which {@link removeLeftoverTempFiles} removes. This is the one way the
 * engine writes a file (checkpoints, run settings and results, the rewritten
 * log), and the way the CLI and the examples should.
 *
 * @param data Text (written as UTF-8), bytes, or chunks of bytes written one after the other.
 * @throws An `Error` whose message starts with `path` and says what failed
 * (for example `ENOSPC: no space left on device`), with the system error as
 * its `cause` and its `code`; the temporary file is removed first.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): void {
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const temp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w');
    for (const chunk of chunks) {
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.();
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      rmSync(temp, { force: true });
    } catch {
      // The error that matters is the write's, thrown below.
    }
    throw fileError(path, 'could not write the file', error);
  }
  syncDirectory(dirname(path));
}

/** Writes `value` as indented JSON (two spaces, final newline) with {@link writeFileAtomic}. */
export function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Removes the temporary files that writes killed before their rename left in
 * `dir` (not in its subdirectories): those of {@link writeFileAtomic} and of
 * earlier engine versions (`<name>.tmp-<pid>-<milliseconds>`), files or
 * directories. Call it when no other process writes in `dir`, as
 * `resumeSearch` does for its run directory. Returns the names removed.
 */
export function removeLeftoverTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw fileError(dir, 'could not list the directory', error);
  }
  const removed = names.filter((name) => TEMP_NAME.test(name));
  for (const name of removed) {
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
    } catch (error) {
      throw fileError(join(dir, name), 'could not remove the leftover temporary file', error);
    }
  }
  return removed;
}

/** An `Error` `<path>: <what> (<cause's message>)`, with the cause and its `code`. */
export function fileError(path: string, what: string, cause: unknown): Error & { code?: string } {
  const message = cause instanceof Error ? cause.message : String(cause);
  const error: Error & { code?: string } = new Error(`${path}: ${what} (${message})`, { cause });
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) error.code = code;
  return error;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing; the first error is the one reported.
  }
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
