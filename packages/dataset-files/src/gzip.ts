import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DatasetFormatError } from './errors.js';
import { isGzip } from './gzip-bytes.js';

const gunzipAsync = promisify(gunzip);

/**
 * Reads a file whole, decompressing it if it is gzipped (recognised by its
 * content, not its name).
 *
 * @throws {@link DatasetFormatError} naming the file if the gzip stream is corrupt or truncated.
 */
export async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  if (!isGzip(raw)) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (error) {
    throw new DatasetFormatError(path, 'a complete gzip stream', `a corrupt or truncated one (${(error as Error).message})`);
  }
}
