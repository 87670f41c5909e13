import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ProgressEvent } from '@asng/core';
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
 * temporary file beside the destination, renamed into place only when the
 * checksum matches, so a failed, aborted or corrupt download leaves nothing
 * under `destination`'s name and no partial file behind.
 *
 * @throws {@link ChecksumMismatchError} when the sum differs; other errors for HTTP or network failures.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { url, destination, onProgress, signal } = options;
  const expected = options.sha256.toLowerCase();
  const fetchImpl = options.fetch ?? globalThis.fetch;
  await mkdir(dirname(destination), { recursive: true });
  const temporary = join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.part`);
  const task = `download ${basename(destination)}`;
  const file = await open(temporary, 'w');
  let closed = false;
  try {
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
    await file.sync();
    await file.close();
    closed = true;
    await rename(temporary, destination);
  } catch (error) {
    if (!closed) await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The SHA-256 of a file, lowercase hex, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
