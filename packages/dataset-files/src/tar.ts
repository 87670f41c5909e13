import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DatasetFormatError } from './errors.js';
import { isGzip } from './gzip-bytes.js';

/** One regular file of a tar archive. */
export interface TarEntry {
  /** Path inside the archive, as stored (`cifar-10-batches-bin/data_batch_1.bin`). */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** The contents; `null` when the entry was not selected. */
  readonly data: Uint8Array | null;
}

const BLOCK = 512;

/**
 * Reads the regular files of a tar archive (plain or gzipped, recognised by
 * content) as a stream, keeping in memory only the entries `select` accepts.
 * Understands ustar, pax (`path`) and GNU long-name headers.
 *
 * @throws {@link DatasetFormatError} naming the archive if it is truncated or a header is corrupt.
 */
export async function* readTar(path: string, select: (name: string) => boolean = () => true): AsyncGenerator<TarEntry> {
  const input = createReadStream(path);
  const stream = (await startsWithGzip(path)) ? input.pipe(createGunzip()) : input;
  input.on('error', (error) => stream.destroy(error));
  const reader = new ChunkReader(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>, path);
  let longName: string | null = null;
  try {
    for (;;) {
      const header = await reader.read(BLOCK, true);
      if (header === null || header.every((b) => b === 0)) return;
      verifyChecksum(header, path);
      const size = parseSize(header.subarray(124, 136), path);
      const type = String.fromCharCode(header[156] ?? 0);
      const stored = tarString(header.subarray(0, 100));
      const prefix = tarString(header.subarray(345, 500));
      let name = longName ?? (prefix && header.subarray(257, 262).toString() === 'ustar' ? `${prefix}/${stored}` : stored);
      longName = null;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'L' || type === 'x') {
        const body = (await reader.read(padded, false))!.subarray(0, size);
        longName = type === 'L' ? tarString(body) : paxPath(body);
        continue;
      }
      const regular = type === '0' || type === '\0' || type === '7';
      if (regular && select(name)) {
        const body = await reader.read(padded, false);
        yield { name, size, data: new Uint8Array(body!.buffer, body!.byteOffset, size) };
      } else {
        await reader.skip(padded);
        if (regular) yield { name, size, data: null };
      }
      name = '';
    }
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(path, 'a readable tar archive', `an error: ${(error as Error).message}`);
  } finally {
    stream.destroy();
    input.destroy();
  }
}

async function startsWithGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    await file.read(head, 0, 2, 0);
    return isGzip(head);
  } finally {
    await file.close();
  }
}

class ChunkReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly path: string,
  ) {}

  /** Reads exactly `n` bytes; at a clean end of stream returns `null` if `endOk`. */
  async read(n: number, endOk: boolean): Promise<Buffer | null> {
    await this.fill(n);
    if (this.buffered < n) {
      if (endOk && this.buffered === 0) return null;
      throw new DatasetFormatError(this.path, `${n} more bytes of tar data`, `${this.buffered} (the archive is truncated)`);
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const step = Math.min(left, 1 << 20);
      await this.read(step, false);
      left -= step;
    }
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
      } else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
  }
}

function tarString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end === -1 ? bytes.length : end)).toString('utf8');
}

function parseSize(field: Uint8Array, path: string): number {
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = tarString(field).trim();
  if (!/^[0-7]+$/.test(text)) throw new DatasetFormatError(path, 'an octal entry size in a tar header', JSON.stringify(text));
  return parseInt(text, 8);
}

function verifyChecksum(header: Buffer, path: string): void {
  const text = tarString(header.subarray(148, 156)).trim();
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  if (!/^[0-7]+$/.test(text) || parseInt(text, 8) !== sum) {
    throw new DatasetFormatError(
      path,
      `a tar header with checksum ${sum.toString(8)}`,
      `checksum field ${JSON.stringify(text)} (not a tar archive, or corrupt)`,
    );
  }
}

function paxPath(body: Uint8Array): string | null {
  const text = Buffer.from(body).toString('utf8');
  for (const line of text.split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

/** A file to put in a tar archive with {@link packTar}. */
export interface TarInput {
  /** Path inside the archive, at most 100 bytes. */
  readonly name: string;
  /** Contents; ignored for directories. */
  readonly data: Uint8Array;
  /** `'0'` for a regular file (default), `'5'` for a directory. */
  readonly type?: '0' | '5';
}

/**
 * Packs files into an uncompressed ustar archive in memory: enough to write
 * test fixtures for loaders that read archives (gzip the result for `.tar.gz`).
 */
export function packTar(entries: readonly TarInput[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const { name, data, type = '0' } of entries) {
    const header = Buffer.alloc(BLOCK);
    if (Buffer.byteLength(name) > 100) throw new RangeError(`packTar: name longer than 100 bytes: ${name}`);
    const size = type === '5' ? 0 : data.length;
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(type, 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    if (size > 0) blocks.push(Buffer.from(data.buffer, data.byteOffset, size), Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}
