import { Sha256, sha256Hex } from './sha256.js';

/** One named float32 array of a checkpoint. */
export interface CheckpointArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What a checkpoint holds: a JSON header and float32 arrays. */
export interface CheckpointContents<H> {
  readonly header: H;
  readonly arrays: readonly CheckpointArray[];
}

/** A checkpoint as read back by {@link decodeCheckpoint}. */
export interface SavedCheckpoint<H> extends CheckpointContents<H> {
  /**
   * The format version: `2` (written by this version, verified by its
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
 * The bytes of a checkpoint, in pieces to be written one after the other
 * (the arrays are not copied on a little-endian machine).
 *
 * Layout (version 2): `ASNGCKPT`, uint32 version, uint32 header length, the
 * SHA-256 of the header (32 bytes), the UTF-8 JSON header (with the array
 * table, which holds the SHA-256 of each array), zero padding to 4 bytes,
 * then the float32 arrays back to back (little-endian). The checksums cover
 * every byte that matters: an edited header or a flipped bit in an array is
 * found by {@link decodeCheckpoint}. The same bytes on every platform.
 *
 * @throws A `RangeError` naming the array whose values do not fill its shape.
 */
export function encodeCheckpoint<H>(contents: CheckpointContents<H>): Uint8Array[] {
  const arrays = contents.arrays.map((a) => {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (size !== a.data.length) throw new RangeError(`writeCheckpoint: array '${a.name}' has ${a.data.length} values but shape [${a.shape.join(', ')}]`);
    const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return isLittleEndian() ? bytes : swap32(bytes);
  });
  const table: TableEntry[] = contents.arrays.map((a, i) => ({ name: a.name, shape: a.shape, sha256: sha256Hex(arrays[i]!) }));
  const json = new TextEncoder().encode(JSON.stringify({ header: contents.header, arrays: table }));
  const prefix = new Uint8Array(PREFIX_V2);
  for (let i = 0; i < MAGIC.length; i++) prefix[i] = MAGIC.charCodeAt(i);
  const view = new DataView(prefix.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, json.length, true);
  prefix.set(new Sha256().update(json).digest(), 16);
  const padding = new Uint8Array(paddingAfter(PREFIX_V2 + json.length));
  return [prefix, json, padding, ...arrays];
}

/**
 * Reads the bytes of a checkpoint made by {@link encodeCheckpoint}, verifying
 * its checksums; a version-1 checkpoint (written before checksums) is read
 * unverified, and says so in `version`.
 *
 * @param path - names the checkpoint in errors.
 * @throws An `Error` starting with `path` and saying what is wrong: not a
 * checkpoint, a version this build cannot read, truncated, trailing bytes, a
 * header that was edited or damaged, or the array whose bytes were damaged.
 */
export function decodeCheckpoint<H>(bytes: Uint8Array, path: string): SavedCheckpoint<H> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PREFIX_V1 || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) {
    throw new Error(`${path}: not an asng checkpoint (expected the magic '${MAGIC}' at the start)`);
  }
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== 2) throw new Error(`${path}: checkpoint version ${version}, this build reads versions 1 and ${VERSION}`);
  const start = version === 1 ? PREFIX_V1 : PREFIX_V2;
  const length = view.getUint32(12, true);
  if (start + length > bytes.length) throw new Error(`${path}: truncated checkpoint (header of ${length} bytes, file of ${bytes.length})`);
  const json = bytes.subarray(start, start + length);
  if (version === 2 && !equalBytes(new Sha256().update(json).digest(), bytes.subarray(16, 48))) {
    throw new Error(`${path}: the checkpoint's header fails its checksum: the file was edited or damaged after it was written`);
  }
  let parsed: { header: H; arrays: TableEntry[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(json));
  } catch (error) {
    throw new Error(`${path}: corrupt checkpoint header (${(error as Error).message})`);
  }
  let offset = start + length + paddingAfter(start + length);
  const arrays = parsed.arrays.map(({ name, shape, sha256: expected }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const end = offset + size * 4;
    if (end > bytes.length) throw new Error(`${path}: truncated checkpoint (array '${name}' needs bytes up to ${end}, file has ${bytes.length})`);
    const slice = bytes.subarray(offset, end);
    if (version === 2 && sha256Hex(slice) !== expected) {
      throw new Error(`${path}: array '${name}' fails its checksum: its bytes were damaged after the checkpoint was written`);
    }
    const copy = isLittleEndian() ? slice.slice() : swap32(slice);
    offset = end;
    return { name, shape, data: new Float32Array(copy.buffer, copy.byteOffset, size) };
  });
  if (offset !== bytes.length) throw new Error(`${path}: ${bytes.length - offset} unexpected bytes after the last array`);
  return { version, header: parsed.header, arrays };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function paddingAfter(length: number): number {
  return (4 - (length % 4)) % 4;
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
