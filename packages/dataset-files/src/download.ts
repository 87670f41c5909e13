import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ProgressEvent } from '@asng/core';
import { removeAbandonedTemporaries, writeFileAtomically } from './atomic-file.js';
import { ChecksumMismatchError } from './errors.js';

/** What {@link downloadFile} fetches and where it puts it. */
export interface DownloadOptions {
  /** The URL to fetch (http or https). */
  readonly url: string;
  /** Final path of the file; written only once the whole file is verified. */
  readonly destination: string;
  /** Published SHA-256 of the file, lowercase hex. */
  readonly sha256: string;
  /** Progress callback; `task` is `'download <file name>'`, units are bytes. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Aborts the download. */
  readonly signal?: AbortSignal;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * Downloads `url` to `destination`, verifying its SHA-256. The body goes to a
 * temporary file beside the destination (`<name>.asng-tmp-<pid>-<n>`, with
 * {@link writeFileAtomically}), renamed into place only when the checksum
 * matches, so a failed, aborted or corrupt download leaves nothing under
 * `destination`'s name and no partial file behind. Temporary files of
 * earlier downloads of the same file whose process was killed are removed.
 *
 * @throws {@link ChecksumMismatchError} when the sum differs; an `Error` naming `destination` when it cannot be written; other errors for HTTP or network failures.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { url, destination, onProgress, signal } = options;
  const expected = options.sha256.toLowerCase();
  const fetchImpl = options.fetch ?? globalThis.fetch;
  try {
    await mkdir(dirname(destination), { recursive: true });
  } catch (error) {
    throw new Error(`${destination}: could not create its directory (${(error as Error).message})`, { cause: error });
  }
  await removeAbandonedTemporaries(dirname(destination), (name) => name === basename(destination));
  const task = `download ${basename(destination)}`;
  await writeFileAtomically(destination, async (file) => {
    const response = await fetchImpl(url, signal ? { signal } : {});
    if (!response.ok || response.body === null) {
      throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    }
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader === null ? undefined : Number(lengthHeader);
    const hash = createHash('sha256');
    let done = 0;
    onProgress?.(total === undefined ? { task, done } : { task, done, total });
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await file.write(chunk);
      done += chunk.byteLength;
      onProgress?.(total === undefined ? { task, done } : { task, done, total });
    }
    if (total !== undefined && done !== total) {
      throw new Error(`${url}: expected ${total} bytes, received ${done}`);
    }
    const actual = hash.digest('hex');
    if (actual !== expected) throw new ChecksumMismatchError(url, expected, actual);
  });
}

/** The SHA-256 of a file, lowercase hex, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
