import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';

/** One named float32 array of a checkpoint. */
export interface CheckpointArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What a checkpoint file holds: a JSON header and float32 arrays. */
export interface CheckpointContents<H> {
  readonly header: H;
  readonly arrays: readonly CheckpointArray[];
}

/** A checkpoint as read back by {@link readCheckpoint}. */
export interface SavedCheckpoint<H> extends CheckpointContents<H> {
  /**
   * The file's format version: `2` (written by this version, verified by its
   * checksums) or `1` (written before checksums existed, read unverified).
   */
  readonly version: 1 | 2;
}

const MAGIC = 'ASNGCKPT';
const VERSION = 2;
/** Magic, version, header length, then (version 2) the header's SHA-256. */
const PREFIX_V1 = 16;
const PREFIX_V2 = 48;

interface TableEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** SHA-256 (hex) of the array's little-endian bytes; version 2 only. */
  readonly sha256?: string;
}

/**
 * Writes a checkpoint atomically ({@link writeFileAtomic}): a crash or kill
 * at any moment leaves either the previous checkpoint or the new one, never a
 * torn file.
 *
 * Layout (version 2): `ASNGCKPT`, uint32 version, uint32 header length, the
 * SHA-256 of the header (32 bytes), the UTF-8 JSON header (with the array
 * table, which holds the SHA-256 of each array), zero padding to 4 bytes,
 * then the float32 arrays back to back (little-endian). The checksums cover
 * every byte that matters: an edited header or a flipped bit in an array is
 * found by {@link readCheckpoint}.
 */
export function writeCheckpoint<H>(path: string, contents: CheckpointContents<H>, options: AtomicWriteOptions = {}): void {
  const arrays = contents.arrays.map((a) => {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (size !== a.data.length) throw new RangeError(`writeCheckpoint: array '${a.name}' has ${a.data.length} values but shape [${a.shape.join(', ')}]`);
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return isLittleEndian() ? bytes : swap32(bytes);
  });
  const table: TableEntry[] = contents.arrays.map((a, i) => ({ name: a.name, shape: a.shape, sha256: sha256(arrays[i]!) }));
  const json = Buffer.from(JSON.stringify({ header: contents.header, arrays: table }), 'utf8');
  const prefix = Buffer.alloc(PREFIX_V2);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  createHash('sha256').update(json).digest().copy(prefix, 16);
  const padding = Buffer.alloc(paddingAfter(PREFIX_V2 + json.length));
  writeFileAtomic(path, [prefix, json, padding, ...arrays], options);
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint}, verifying its
 * checksums; a version-1 file (written before checksums) is read unverified,
 * and says so in `version`.
 *
 * @throws An `Error` naming the file and what is wrong: not a checkpoint, a
 * version this build cannot read, truncated, trailing bytes, a header that
 * was edited or damaged, or the array whose bytes were damaged.
 */
export function readCheckpoint<H>(path: string): SavedCheckpoint<H> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the checkpoint (${(error as Error).message})`);
  }
  if (bytes.length < PREFIX_V1 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new Error(`${path}: not an asng checkpoint (expected the magic '${MAGIC}' at the start)`);
  }
  const version = bytes.readUInt32LE(8);
  if (version !== 1 && version !== 2) throw new Error(`${path}: checkpoint version ${version}, this build reads versions 1 and ${VERSION}`);
  const start = version === 1 ? PREFIX_V1 : PREFIX_V2;
  const length = bytes.readUInt32LE(12);
  if (start + length > bytes.length) throw new Error(`${path}: truncated checkpoint (header of ${length} bytes, file of ${bytes.length})`);
  const json = bytes.subarray(start, start + length);
  if (version === 2 && !createHash('sha256').update(json).digest().equals(bytes.subarray(16, 48))) {
    throw new Error(`${path}: the checkpoint's header fails its checksum: the file was edited or damaged after it was written`);
  }
  let parsed: { header: H; arrays: TableEntry[] };
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw new Error(`${path}: corrupt checkpoint header (${(error as Error).message})`);
  }
  let offset = start + length + paddingAfter(start + length);
  const arrays = parsed.arrays.map(({ name, shape, sha256: expected }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const end = offset + size * 4;
    if (end > bytes.length) throw new Error(`${path}: truncated checkpoint (array '${name}' needs bytes up to ${end}, file has ${bytes.length})`);
    const slice = bytes.subarray(offset, end);
    if (version === 2 && sha256(slice) !== expected) {
      throw new Error(`${path}: array '${name}' fails its checksum: its bytes were damaged after the checkpoint was written`);
    }
    const copy = new Uint8Array(isLittleEndian() ? slice : swap32(slice));
    offset = end;
    return { name, shape, data: new Float32Array(copy.buffer, copy.byteOffset, size) };
  });
  if (offset !== bytes.length) throw new Error(`${path}: ${bytes.length - offset} unexpected bytes after the last array`);
  return { version, header: parsed.header, arrays };
}

function paddingAfter(length: number): number {
  return (4 - (length % 4)) % 4;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swap32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}
