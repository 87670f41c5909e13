/**
 * A small folder of class folders of PNG images, with a file that is not an
 * image and one that only claims to be, for the page's dropped-folder check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** An 8-bit RGB PNG of `size` x `size` pixels of one colour. */
export function solidPng(size: number, rgb: readonly [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (1 + 3 * size));
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) rows.set(rgb, y * (1 + 3 * size) + 1 + 3 * x);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** Writes `<dir>/shapes/{dark,light}/*.png` (5 images each), `dark/broken.png` (not a PNG) and `light/notes.txt`. */
export function writeImageFolder(dir: string): string {
  const root = join(dir, 'shapes');
  for (const [name, level] of [
    ['dark', 30],
    ['light', 220],
  ] as const) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(root, name, `${i}.png`), solidPng(12 + i, [level, level + i, level]));
  }
  writeFileSync(join(root, 'dark', 'broken.png'), 'this is not an image');
  writeFileSync(join(root, 'light', 'notes.txt'), 'notes');
  return root;
}
