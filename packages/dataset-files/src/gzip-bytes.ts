import { DatasetFormatError } from './errors.js';

/** Whether `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses `bytes` if they are gzipped (recognised by their content), in
 * any runtime with the Compression Streams API (`DecompressionStream`:
 * browsers, Node.js 18 and later); other bytes come back as they are.
 *
 * @param file - names the bytes in errors.
 * @throws {@link DatasetFormatError} naming `file` if the gzip stream is corrupt or truncated.
 */
export async function gunzipBytes(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new DatasetFormatError(file, 'a complete gzip stream', `a corrupt or truncated one (${(error as Error).message})`);
  }
}
