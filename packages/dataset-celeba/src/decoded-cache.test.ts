import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celeba } from './celeba.js';
import { DECODED_CACHE_HEADER_BYTES, type ImageFileSplit } from '@asng/image-files';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-decoded-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A 30x40 JPEG whose content depends on `seed`. */
function jpeg(seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(30 * 40 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (seed + 3) + seed * 41) % 256;
  return sharp(pixels, { raw: { width: 30, height: 40, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function writeFolders(count: number): Promise<void> {
  await mkdir(join(dir, 'data', 'train'), { recursive: true });
  await mkdir(join(dir, 'data', 'test'), { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, 'data', 'train', `${i}.jpg`), await jpeg(i));
  await writeFile(join(dir, 'data', 'test', 'only.jpg'), await jpeg(99));
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const cacheFiles = async () => (await readdir(join(dir, 'cache'))).sort();

describe('the decoded-image disk cache', () => {
  it('fills a file while decoding, then reads it instead of the images, with the same bytes', async () => {
    await writeFolders(6);
    const plain = await celeba.load({ path: join(dir, 'data'), size: 8, cacheSize: 0 });
    const expected = (await plain.split('train').read(all(6))).images;
    const data = await celeba.load({ path: join(dir, 'data'), size: 8, cacheSize: 0, diskCache: join(dir, 'cache') });
    const split = data.split('train') as ImageFileSplit;
    const first = await split.read([4, 1, 2]);
    expect((await split.diskFile())!.isComplete).toBe(false);
    expect((await cacheFiles()).some((f) => f.includes('.partial-'))).toBe(true);
    expect(Buffer.from(first.images.subarray(0, 192)).equals(Buffer.from(expected.subarray(4 * 192, 5 * 192)))).toBe(true);
    await split.read([0, 3, 5, 1]);
    const disk = (await split.diskFile())!;
    expect(disk.isComplete).toBe(true);
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}\.bin$/);
    // The images are gone: only the cache file can answer now.
    await rm(join(dir, 'data', 'train'), { recursive: true });
    expect(Buffer.from((await split.read(all(6))).images).equals(Buffer.from(expected))).toBe(true);
    await data.close!();
  });

  it('is reused by a later load, and rebuilt when an image changes or the file is damaged', async () => {
    await writeFolders(3);
    const options = { path: join(dir, 'data'), size: 8, cacheSize: 0, diskCache: join(dir, 'cache') };
    const first = await celeba.load(options);
    await first.split('train').read(all(3));
    await first.close!();
    const [complete] = await cacheFiles();
    const again = await celeba.load(options);
    expect((await (again.split('train') as ImageFileSplit).diskFile())!.isComplete).toBe(true);
    await again.close!();

    await writeFile(join(dir, 'data', 'train', '1.jpg'), await jpeg(50));
    const changed = await celeba.load(options);
    const split = changed.split('train') as ImageFileSplit;
    expect((await split.diskFile())!.isComplete).toBe(false);
    const fresh = (await split.read(all(3))).images;
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).not.toBe(complete);
    expect(files[0]!.slice(0, 16)).toBe(complete!.slice(0, 16));
    await changed.close!();

    await truncate(join(dir, 'cache', files[0]!), DECODED_CACHE_HEADER_BYTES + 100);
    const damaged = await celeba.load(options);
    const rebuilt = damaged.split('train') as ImageFileSplit;
    expect((await rebuilt.diskFile())!.isComplete).toBe(false);
    expect(Buffer.from((await rebuilt.read(all(3))).images).equals(Buffer.from(fresh))).toBe(true);
    expect((await rebuilt.diskFile())!.isComplete).toBe(true);
    await damaged.close!();
  });

  it('deletes an incomplete file on close and partial files of processes that are gone', async () => {
    await writeFolders(4);
    const options = { path: join(dir, 'data'), size: 8, diskCache: join(dir, 'cache') };
    const data = await celeba.load(options);
    await data.split('train').read([0]);
    const [partial] = await cacheFiles();
    expect(partial).toMatch(new RegExp(`\\.partial-${process.pid}$`));
    await data.close!();
    expect(await cacheFiles()).toEqual([]);
    // A pid above the kernel's limit never runs.
    const abandoned = partial!.replace(`.partial-${process.pid}`, '.partial-99999999');
    await writeFile(join(dir, 'cache', abandoned), 'left by a crash');
    const later = await celeba.load(options);
    await later.split('train').read([0]);
    expect(await cacheFiles()).toEqual([partial]);
    await later.close!();
  });

  it('is filled ahead by prepare, with progress, and prepare needs a directory', async () => {
    await writeFolders(5);
    const data = await celeba.load({ path: join(dir, 'data'), size: 8, cacheSize: 1, concurrency: 2, diskCache: join(dir, 'cache') });
    const split = data.split('train') as ImageFileSplit;
    await split.read([3]);
    const progress: number[] = [];
    await split.prepare((done, total) => {
      expect(total).toBe(5);
      progress.push(done);
    });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect((await split.diskFile())!.isComplete).toBe(true);
    expect(split.cached).toBe(1);
    await data.close!();
    const plain = await celeba.load({ path: join(dir, 'data'), size: 8 });
    await expect((plain.split('train') as ImageFileSplit).prepare()).rejects.toThrow('ImageFileSplit.prepare: the split has no diskCache directory to fill');
  });

  it('keeps memory bounded while filling', async () => {
    await writeFolders(8);
    const data = await celeba.load({ path: join(dir, 'data'), size: 8, cacheSize: 2, diskCache: join(dir, 'cache') });
    const split = data.split('train') as ImageFileSplit;
    await split.read(all(8));
    expect(split.cached).toBe(2);
    expect((await split.diskFile())!.isComplete).toBe(true);
    await data.close!();
  });

  it('puts diskCache: true under cacheDir/decoded, and names an unusable directory or option', async () => {
    await writeFolders(2);
    const data = await celeba.load({ path: join(dir, 'data'), size: 8, diskCache: true, cacheDir: join(dir, 'store') });
    await data.split('train').read([0, 1]);
    expect(await readdir(join(dir, 'store', 'decoded'))).toHaveLength(1);
    await data.close!();
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const blocked = await celeba.load({ path: join(dir, 'data'), size: 8, diskCache: join(dir, 'a-file') });
    await expect(blocked.split('train').read([0])).rejects.toThrow(`decoded-image cache: cannot use the directory ${join(dir, 'a-file')}: `);
    await expect(celeba.load({ path: join(dir, 'data'), diskCache: 5 as unknown as string })).rejects.toThrow(
      'celeba: diskCache must be true, false or a directory, got 5',
    );
  });
});
