import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError, DatasetNotFoundError, packTar } from '@asng/dataset-files';
import { cifar10 } from './cifar10.js';

const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** `count` records; record r of file f has label (f + r) % 10 and pixel planes R = r, G = 100 + p % 7, B = 200 + f. */
function records(f: number, count: number): Buffer {
  const out = Buffer.alloc(count * 3073);
  for (let r = 0; r < count; r++) {
    const base = r * 3073;
    out[base] = (f + r) % 10;
    for (let p = 0; p < 1024; p++) {
      out[base + 1 + p] = r;
      out[base + 1025 + p] = 100 + (p % 7);
      out[base + 2049 + p] = 200 + f;
    }
  }
  return out;
}

const fileSet = () => FILES.map((name, f) => ({ name, data: records(f, f === 5 ? 4 : 3) }));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-cifar-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeFolder(folder: string, files = fileSet()) {
  await mkdir(folder, { recursive: true });
  for (const { name, data } of files) await writeFile(join(folder, name), data);
}

const load = (path: string) => cifar10.load({ path, cacheDir: join(dir, 'cache'), download: false });

describe('cifar10', () => {
  it('reads the extracted folder (or its parent) into HWC images', async () => {
    await writeFolder(join(dir, 'cifar-10-batches-bin'));
    for (const path of [join(dir, 'cifar-10-batches-bin'), dir]) {
      const data = await load(path);
      expect(data.info).toMatchObject({
        name: 'cifar10',
        shape: [32, 32, 3],
        classes: 10,
        splits: { train: 15, test: 4 },
        source: join(dir, 'cifar-10-batches-bin'),
      });
      const batch = await data.split('train').read([4]);
      // Record 1 of data_batch_2 (f = 1).
      expect(batch.labels![0]).toBe(2);
      expect(Array.from(batch.images.subarray(0, 6))).toEqual([1, 100, 201, 1, 101, 201]);
      const test = await data.split('test').read([3]);
      expect(Array.from(test.images.subarray(3 * 9, 3 * 9 + 3))).toEqual([3, 102, 205]);
    }
  });

  it('reads the .tar.gz itself, given directly or in a folder', async () => {
    const archive = gzipSync(
      packTar([
        { name: 'cifar-10-batches-bin/', data: new Uint8Array(0), type: '5' },
        ...fileSet().map((f) => ({ ...f, name: `cifar-10-batches-bin/${f.name}` })),
        { name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\n') },
      ]),
    );
    await writeFile(join(dir, 'cifar-10-binary.tar.gz'), archive);
    const direct = await load(join(dir, 'cifar-10-binary.tar.gz'));
    const inFolder = await load(dir);
    expect(direct.info.source).toBe(join(dir, 'cifar-10-binary.tar.gz'));
    expect(inFolder.info.splits).toEqual({ train: 15, test: 4 });
    const a = await direct.split('train').read([0, 14]);
    await writeFolder(join(dir, 'x'));
    const b = await (await load(join(dir, 'x'))).split('train').read([0, 14]);
    expect(Buffer.compare(Buffer.from(a.images), Buffer.from(b.images))).toBe(0);
    expect(Array.from(a.labels!)).toEqual(Array.from(b.labels!));
  });

  it('names the file whose size is not a whole number of 3073-byte records', async () => {
    const files = fileSet();
    files[2] = { name: 'data_batch_3.bin', data: records(2, 3).subarray(0, 3 * 3073 - 10) };
    await writeFolder(dir, files);
    const error = await load(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toBe(
      `${join(dir, 'data_batch_3.bin')}: expected a whole number of 3073-byte records (1 label byte + 3072 pixel bytes), found 9209 bytes (3063 bytes over a whole number)`,
    );
  });

  it('names the file and record of a label out of range', async () => {
    const files = fileSet();
    files[5]!.data[3073 * 2] = 10;
    await writeFolder(dir, files);
    await expect(load(dir)).rejects.toThrow(`${join(dir, 'test_batch.bin')}: expected labels in [0, 9], found label 10 in record 2`);
  });

  it('names a missing batch file, and a truncated or incomplete archive', async () => {
    await writeFolder(
      join(dir, 'a'),
      fileSet().filter((f) => f.name !== 'test_batch.bin'),
    );
    await expect(load(join(dir, 'a'))).rejects.toThrow(/a: expected the CIFAR-10 batch files .*, found no test_batch.bin/);
    const tar = packTar(fileSet().map((f) => ({ ...f, name: `cifar-10-batches-bin/${f.name}` })));
    await writeFile(join(dir, 'cut.tar.gz'), gzipSync(tar.subarray(0, 20_000)));
    await expect(load(join(dir, 'cut.tar.gz'))).rejects.toThrow(/cut\.tar\.gz: expected \d+ more bytes of tar data/);
    await writeFile(join(dir, 'few.tar.gz'), gzipSync(packTar(fileSet().slice(0, 2))));
    await expect(load(join(dir, 'few.tar.gz'))).rejects.toThrow(
      /few\.tar\.gz: expected an archive holding .*, found one without data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/,
    );
  });

  describe('download', () => {
    let server: Server;
    let mirror: string;
    let archive: Buffer;
    beforeAll(async () => {
      archive = gzipSync(packTar(fileSet().map((f) => ({ ...f, name: `cifar-10-batches-bin/${f.name}` }))));
      server = createServer((request, response) => {
        if (request.url === '/cifar-10-binary.tar.gz') response.writeHead(200, { 'content-length': archive.length }).end(archive);
        else response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('rejects an archive that is not the published one and keeps nothing', async () => {
      const error = await cifar10.load({ cacheDir: dir, mirror }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetNotFoundError);
      expect((error as Error).message).toContain(createHash('sha256').update(archive).digest('hex'));
      expect((error as Error).message).toContain('c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd');
      expect(await readdir(join(dir, 'cifar10'))).toEqual([]);
    });

    it('offline: says where it looked and how to get the archive', async () => {
      const error = await cifar10.load({ cacheDir: dir, path: join(dir, 'mine'), download: false }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(join(dir, 'mine'));
      expect((error as Error).message).toContain('cifar-10-binary.tar.gz');
    });
  });
});
