import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { arrayOffset, downgradeToVersion1, flipBits } from '../test/checkpoint-files.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function written(): string {
  dir = mkdtempSync(join(tmpdir(), 'asng-checkpoint-'));
  const path = join(dir, 'c.bin');
  writeCheckpoint(path, {
    header: { step: 41 },
    arrays: [
      { name: 'weight/a', shape: [2, 2], data: Float32Array.from([0.5, -1.25, 3, 0.001]) },
      { name: 'weight/b', shape: [3], data: Float32Array.from([1, 2, 3]) },
    ],
  });
  return path;
}

describe('checkpoint checksums', () => {
  it('writes version 2 and reads it back verified', () => {
    const back = readCheckpoint<{ step: number }>(written());
    expect(back.version).toBe(2);
    expect(back.header.step).toBe(41);
    expect(Array.from(back.arrays[1]!.data)).toEqual([1, 2, 3]);
  });

  it('refuses an edited header, naming the file', () => {
    const path = written();
    const bytes = readFileSync(path);
    const at = bytes.indexOf('"step":41');
    bytes.write('"step":11', at, 'utf8');
    writeFileSync(path, bytes);
    expect(() => readCheckpoint(path)).toThrow(`${path}: the checkpoint's header fails its checksum: the file was edited or damaged after it was written`);
  });

  it.each([
    ['a mantissa bit', 0, 0x01],
    ['an exponent bit', 3, 0x40],
    ['the sign bit', 3, 0x80],
  ])('refuses a weight with %s flipped, naming the file and the array', (_, byte, mask) => {
    const path = written();
    flipBits(path, arrayOffset(readFileSync(path), 'weight/b') + 4 + byte, mask);
    expect(() => readCheckpoint(path)).toThrow(`${path}: array 'weight/b' fails its checksum: its bytes were damaged after the checkpoint was written`);
  });

  it('reads a version-1 checkpoint (written before checksums) unverified', () => {
    const path = written();
    downgradeToVersion1(path, []);
    const back = readCheckpoint<{ step: number }>(path);
    expect(back.version).toBe(1);
    expect(back.header.step).toBe(41);
    expect(Array.from(back.arrays[0]!.data)).toEqual(Array.from(Float32Array.from([0.5, -1.25, 3, 0.001])));
  });

  it('names an unknown version', () => {
    const path = written();
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(7, 8);
    writeFileSync(path, bytes);
    expect(() => readCheckpoint(path)).toThrow(`${path}: checkpoint version 7, this build reads versions 1 and 2`);
  });
});
