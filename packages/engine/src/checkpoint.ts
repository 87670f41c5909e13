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

const MAGIC = 'ASNGCKPT';
const VERSION = 1;

/**
 * Writes a checkpoint atomically ({@link writeFileAtomic}): a crash or kill
 * at any moment leaves either the previous checkpoint or the new one, never a
 * torn file.
 *
 * Layout: `ASNGCKPT`, uint32 version, uint32 header length, UTF-8 JSON header
 * (with the array table), zero padding to 4 bytes, then the float32 arrays
 * back to back (little-endian).
 */
export function writeCheckpoint<H>(path: string, contents: CheckpointContents<H>, options: AtomicWriteOptions = {}): void {
  const table = contents.arrays.map((a) => {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (size !== a.data.length) throw new RangeError(`writeCheckpoint: array '${a.name}' has ${a.data.length} values but shape [${a.shape.join(', ')}]`);
    return { name: a.name, shape: a.shape };
  });
  const json = Buffer.from(JSON.stringify({ header: contents.header, arrays: table }), 'utf8');
  const prefix = Buffer.alloc(16);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const padding = Buffer.alloc((4 - ((16 + json.length) % 4)) % 4);
  const arrays = contents.arrays.map((a) => {
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return isLittleEndian() ? bytes : swap32(bytes);
  });
  writeFileAtomic(path, [prefix, json, padding, ...arrays], options);
}

/** Reads a checkpoint written by {@link writeCheckpoint}; throws an `Error` naming the file and what is wrong. */
export function readCheckpoint<H>(path: string): CheckpointContents<H> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the checkpoint (${(error as Error).message})`);
  }
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new Error(`${path}: not an asng checkpoint (expected the magic '${MAGIC}' at the start)`);
  }
  const version = bytes.readUInt32LE(8);
  if (version !== VERSION) throw new Error(`${path}: checkpoint version ${version}, this build reads version ${VERSION}`);
  const length = bytes.readUInt32LE(12);
  if (16 + length > bytes.length) throw new Error(`${path}: truncated checkpoint (header of ${length} bytes, file of ${bytes.length})`);
  let parsed: { header: H; arrays: { name: string; shape: number[] }[] };
  try {
    parsed = JSON.parse(bytes.toString('utf8', 16, 16 + length));
  } catch (error) {
    throw new Error(`${path}: corrupt checkpoint header (${(error as Error).message})`);
  }
  let offset = 16 + length + ((4 - ((16 + length) % 4)) % 4);
  const arrays = parsed.arrays.map(({ name, shape }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const end = offset + size * 4;
    if (end > bytes.length) throw new Error(`${path}: truncated checkpoint (array '${name}' needs bytes up to ${end}, file has ${bytes.length})`);
    const slice = bytes.subarray(offset, end);
    const copy = new Uint8Array(isLittleEndian() ? slice : swap32(slice));
    offset = end;
    return { name, shape, data: new Float32Array(copy.buffer, copy.byteOffset, size) };
  });
  if (offset !== bytes.length) throw new Error(`${path}: ${bytes.length - offset} unexpected bytes after the last array`);
  return { header: parsed.header, arrays };
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
