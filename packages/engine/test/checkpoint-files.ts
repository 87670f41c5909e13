import { readFileSync, writeFileSync } from 'node:fs';

/** The parts of a checkpoint file, for tests that damage or downgrade it. */
function parse(bytes: Buffer) {
  const start = bytes.readUInt32LE(8) === 1 ? 16 : 48;
  const length = bytes.readUInt32LE(12);
  const json = JSON.parse(bytes.toString('utf8', start, start + length)) as {
    header: Record<string, unknown>;
    arrays: { name: string; shape: number[]; sha256?: string }[];
  };
  const dataStart = start + length + ((4 - ((start + length) % 4)) % 4);
  return { json, dataStart };
}

/** Byte offset in the file of the first value of array `name` of the checkpoint `bytes`. */
export function arrayOffset(bytes: Buffer, name: string): number {
  const { json, dataStart } = parse(bytes);
  let offset = dataStart;
  for (const a of json.arrays) {
    if (a.name === name) return offset;
    offset += a.shape.reduce((p, d) => p * d, 1) * 4;
  }
  throw new Error(`no array '${name}'`);
}

/** XORs `mask` into the byte at `offset` of the file at `path`. */
export function flipBits(path: string, offset: number, mask: number): void {
  const bytes = readFileSync(path);
  bytes[offset]! ^= mask;
  writeFileSync(path, bytes);
}

/**
 * Rewrites the checkpoint at `path` as the engine wrote it before
 * checksums (version 1: no header hash, no array hashes), without the header
 * fields `drop`.
 */
export function downgradeToVersion1(path: string, drop: readonly string[]): void {
  const bytes = readFileSync(path);
  const { json, dataStart } = parse(bytes);
  const header = Object.fromEntries(Object.entries(json.header).filter(([k]) => !drop.includes(k)));
  const text = Buffer.from(JSON.stringify({ header, arrays: json.arrays.map(({ name, shape }) => ({ name, shape })) }), 'utf8');
  const prefix = Buffer.alloc(16);
  prefix.write('ASNGCKPT', 0, 'latin1');
  prefix.writeUInt32LE(1, 8);
  prefix.writeUInt32LE(text.length, 12);
  const padding = Buffer.alloc((4 - ((16 + text.length) % 4)) % 4);
  writeFileSync(path, Buffer.concat([prefix, text, padding, bytes.subarray(dataStart)]));
}
