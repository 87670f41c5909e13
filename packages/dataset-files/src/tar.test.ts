import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError } from './errors.js';
import { readMaybeGzipped } from './gzip.js';
import { packTar, readTar } from './tar.js';

const tar = (entries: Parameters<typeof packTar>[0]) => Buffer.from(packTar(entries));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-tar-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readTar', () => {
  const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 253);
  const archive = tar([
    { name: 'set/', data: new Uint8Array(0), type: '5' as const },
    { name: 'set/a.bin', data: big },
    { name: 'set/readme.txt', data: Buffer.from('hello') },
  ]);

  it('reads selected entries of a plain and of a gzipped archive', async () => {
    for (const [file, bytes] of [
      ['x.tar', archive],
      ['x.tar.gz', gzipSync(archive)],
    ] as const) {
      await writeFile(join(dir, file), bytes);
      const seen = [];
      for await (const entry of readTar(join(dir, file), (name) => name.endsWith('.bin'))) seen.push(entry);
      expect(seen.map((e) => [e.name, e.size, e.data === null])).toEqual([
        ['set/a.bin', big.length, false],
        ['set/readme.txt', 5, true],
      ]);
      expect(Buffer.compare(Buffer.from(seen[0]!.data!), Buffer.from(big))).toBe(0);
    }
  });

  it('names the archive when it is truncated', async () => {
    await writeFile(join(dir, 'cut.tar.gz'), gzipSync(archive.subarray(0, 2_000_000)));
    const read = async () => {
      for await (const entry of readTar(join(dir, 'cut.tar.gz'))) void entry;
    };
    await expect(read()).rejects.toThrow(DatasetFormatError);
    await expect(read()).rejects.toThrow(/cut\.tar\.gz: expected \d+ more bytes of tar data, found \d+ \(the archive is truncated\)/);
  });

  it('names the file when it is not a tar archive', async () => {
    await writeFile(join(dir, 'not.tar'), Buffer.alloc(1024, 65));
    const read = async () => {
      for await (const entry of readTar(join(dir, 'not.tar'))) void entry;
    };
    await expect(read()).rejects.toThrow(/not\.tar: expected a tar header with checksum/);
  });
});

describe('readMaybeGzipped', () => {
  it('decompresses by content and names a truncated gzip file', async () => {
    const data = Buffer.from('some bytes '.repeat(1000));
    await writeFile(join(dir, 'plain.bin'), data);
    await writeFile(join(dir, 'packed'), gzipSync(data));
    await writeFile(join(dir, 'cut.gz'), gzipSync(data).subarray(0, 40));
    expect(Buffer.from(await readMaybeGzipped(join(dir, 'plain.bin'))).toString()).toBe(data.toString());
    expect(Buffer.from(await readMaybeGzipped(join(dir, 'packed'))).toString()).toBe(data.toString());
    await expect(readMaybeGzipped(join(dir, 'cut.gz'))).rejects.toThrow(/cut\.gz: expected a complete gzip stream, found a corrupt or truncated one/);
  });
});
