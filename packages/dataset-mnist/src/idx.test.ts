import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError, DatasetNotFoundError } from '@asng/dataset-files';
import { createIdxLoader, MNIST_FILE_NAMES } from './idx-loader.js';
import { IDX_IMAGES_MAGIC, parseIdx } from './idx.js';
import { fashionMnist, mnist } from './loaders.js';

function idxImages(count: number, rows: number, columns: number, magic = 0x00000803): Buffer {
  const out = Buffer.alloc(16 + count * rows * columns);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(count, 4);
  out.writeUInt32BE(rows, 8);
  out.writeUInt32BE(columns, 12);
  for (let i = 16; i < out.length; i++) out[i] = (i * 31) % 256;
  return out;
}

function idxLabels(labels: number[], magic = 0x00000801): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (out[8 + i] = label));
  return out;
}

interface Files {
  trainImages: Buffer;
  trainLabels: Buffer;
  testImages: Buffer;
  testLabels: Buffer;
}

const good = (): Files => ({
  trainImages: idxImages(5, 4, 3),
  trainLabels: idxLabels([0, 1, 2, 9, 4]),
  testImages: idxImages(2, 4, 3),
  testLabels: idxLabels([3, 3]),
});

async function writeIdx(dir: string, files: Files, gzip: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const key of Object.keys(files) as (keyof Files)[]) {
    const name = MNIST_FILE_NAMES[key] + (gzip ? '.gz' : '');
    await writeFile(join(dir, name), gzip ? gzipSync(files[key]) : files[key]);
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-idx-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('parseIdx', () => {
  it('reads the header and the data', () => {
    const parsed = parseIdx(idxImages(2, 3, 4), 'x', IDX_IMAGES_MAGIC);
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(parsed.data.length).toBe(24);
    expect(parsed.data[0]).toBe((16 * 31) % 256);
  });
});

describe('IDX loader', () => {
  for (const gzip of [true, false]) {
    it(`loads a dataset from the user's directory (${gzip ? 'gzipped' : 'raw'})`, async () => {
      await writeIdx(join(dir, 'data'), good(), gzip);
      const data = await fashionMnist.load({ path: join(dir, 'data'), cacheDir: join(dir, 'cache'), systemPaths: [], download: false });
      expect(data.info).toMatchObject({ name: 'fashion-mnist', shape: [4, 3, 1], classes: 10, splits: { train: 5, test: 2 }, source: join(dir, 'data') });
      const batch = await data.split('train').read([3, 0]);
      expect(Array.from(batch.labels!)).toEqual([9, 0]);
      expect(batch.images[0]).toBe(((16 + 3 * 12) * 31) % 256);
      expect(batch.shape).toEqual([4, 3, 1]);
      expect(() => data.split('validation' as 'train')).toThrow(/available: train, test/);
    });
  }

  const cases: [string, (f: Files) => void, keyof Files, RegExp][] = [
    [
      'a wrong magic number',
      (f) => (f.trainLabels = idxLabels([0, 1, 2, 3, 4], 0x00000803)),
      'trainLabels',
      /expected IDX magic number 0x00000801, found 0x00000803/,
    ],
    [
      'a truncated file',
      (f) => (f.testImages = f.testImages.subarray(0, f.testImages.length - 5)),
      'testImages',
      /expected 40 bytes for dimensions 2x4x3, found 35 \(the file is truncated\)/,
    ],
    [
      'a truncated header',
      (f) => (f.trainImages = f.trainImages.subarray(0, 10)),
      'trainImages',
      /expected a 16-byte IDX header, found a truncated file of 10 bytes/,
    ],
    [
      'a count mismatch',
      (f) => (f.trainLabels = idxLabels([0, 1, 2])),
      'trainLabels',
      /expected 5 labels, one per image of .*train-images-idx3-ubyte, found 3/,
    ],
    ['a label out of range', (f) => (f.testLabels = idxLabels([3, 10])), 'testLabels', /expected labels in \[0, 9\], found label 10 at index 1/],
  ];
  for (const [what, corrupt, file, message] of cases) {
    it(`names the file on ${what}`, async () => {
      const files = good();
      corrupt(files);
      await writeIdx(dir, files, false);
      const error = await mnist.load({ path: dir, download: false, cacheDir: join(dir, 'cache') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as DatasetFormatError).file).toBe(join(dir, MNIST_FILE_NAMES[file]));
      expect((error as Error).message).toMatch(message);
    });
  }

  it('offline without files: says where it looked and how to get them', async () => {
    const error = await fashionMnist.load({ cacheDir: join(dir, 'cache'), systemPaths: [join(dir, 'usr')], download: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain(join(dir, 'cache', 'fashion-mnist'));
    expect(message).toContain(join(dir, 'usr'));
    expect(message).toContain('apt-get install dataset-fashion-mnist');
  });
});

describe('IDX download', () => {
  let server: Server;
  let mirror: string;
  const served = new Map<string, Buffer>();
  beforeAll(async () => {
    for (const [key, bytes] of Object.entries(good())) served.set(`/${MNIST_FILE_NAMES[key as keyof Files]}.gz`, gzipSync(bytes));
    server = createServer((request, response) => {
      const bytes = served.get(request.url ?? '');
      if (bytes === undefined) response.writeHead(404).end();
      else response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sums = () => Object.fromEntries([...served].map(([url, bytes]) => [url.slice(1), createHash('sha256').update(bytes).digest('hex')]));
  const toy = (sha256: Record<string, string>) =>
    createIdxLoader({
      name: 'toy',
      description: 'toy',
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      mirror,
      sha256,
      howToGet: 'make some.',
    });

  it('downloads into the cache with progress, verified, then loads from it', async () => {
    const tasks = new Set<string>();
    const data = await toy(sums()).load({ cacheDir: dir, onProgress: (e) => tasks.add(e.task) });
    expect(data.info.source).toBe(join(dir, 'toy'));
    expect(data.info.splits).toEqual({ train: 5, test: 2 });
    expect(tasks).toEqual(new Set(Object.values(MNIST_FILE_NAMES).map((n) => `download ${n}.gz`)));
    expect((await readdir(join(dir, 'toy'))).sort()).toEqual(
      Object.values(MNIST_FILE_NAMES)
        .map((n) => `${n}.gz`)
        .sort(),
    );
  });

  it('keeps nothing from a download whose checksum does not match', async () => {
    const wrong = { ...sums(), 't10k-images-idx3-ubyte.gz': 'a'.repeat(64) };
    const error = await toy(wrong)
      .load({ cacheDir: dir })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toMatch(/t10k-images-idx3-ubyte\.gz: expected SHA-256 a{64}/);
    const left = await readdir(join(dir, 'toy'));
    expect(left).not.toContain('t10k-images-idx3-ubyte.gz');
    expect(left.every((name) => !name.endsWith('.part'))).toBe(true);
  });

  it('downloads the real loaders from an injected mirror and rejects files that are not the published ones', async () => {
    const error = await mnist.load({ cacheDir: dir, mirror }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toMatch(/expected SHA-256 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609/);
    expect(await readdir(join(dir, 'mnist'))).toEqual([]);
  });
});
