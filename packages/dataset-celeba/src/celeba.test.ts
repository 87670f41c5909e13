import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError, DatasetNotFoundError } from '@asng/dataset-files';
import { celeba } from './celeba.js';
import type { ImageFileSplit } from '@asng/image-files';

/** A width x height RGB image: three vertical bands, red | green | blue. */
function bands(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.min(2, Math.floor((3 * x) / width));
      pixels[(y * width + x) * 3 + band] = 255;
    }
  }
  return pixels;
}

const png = (width: number, height: number) =>
  sharp(bands(width, height), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
const jpeg = (width: number, height: number, grey: number) =>
  sharp(Buffer.alloc(width * height * 3, grey), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-celeba-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeCeleba(root: string, count: number, partition?: string): Promise<void> {
  await mkdir(join(root, 'img_align_celeba'), { recursive: true });
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `${String(i).padStart(6, '0')}.jpg`;
    await writeFile(join(root, 'img_align_celeba', name), await jpeg(36, 44, 10 * i));
    lines.push(`${name} ${i % 3}`);
  }
  if (partition !== '') await writeFile(join(root, 'list_eval_partition.txt'), partition ?? `${lines.join('\n')}\n`);
}

function expectNear(actual: Uint8Array, expected: number[]): void {
  Array.from(actual).forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(8));
}

const mean = (bytes: Uint8Array) => bytes.reduce((a, b) => a + b, 0) / bytes.length;

describe('celeba', () => {
  it('reads img_align_celeba with the standard partition, resized to the requested size', async () => {
    await writeCeleba(dir, 7);
    const data = await celeba.load({ path: dir, size: 16 });
    // Partition i % 3: 0 -> train (3, 6), 1 -> validation (1, 4, 7, dropped), 2 -> test (2, 5).
    expect(data.info).toEqual({ name: 'celeba', shape: [16, 16, 3], classes: 0, splits: { train: 2, test: 2 }, source: dir });
    const batch = await data.split('train').read([1, 0]);
    expect(batch.images.length).toBe(2 * 16 * 16 * 3);
    expect(batch.labels).toBeNull();
    expect(mean(batch.images.subarray(0, 768))).toBeCloseTo(60, -0.5);
    expect(mean(batch.images.subarray(768))).toBeCloseTo(30, -0.5);
    const withValidation = await celeba.load({ path: dir, size: 16, validation: 'train' });
    expect(withValidation.info.splits).toEqual({ train: 5, test: 2 });
  });

  it('reads train/ and test/ folders and crops the centre square', async () => {
    await mkdir(join(dir, 'train'));
    await mkdir(join(dir, 'test'));
    await writeFile(join(dir, 'train', 'b.png'), await png(60, 20));
    await writeFile(join(dir, 'train', 'a.png'), await png(60, 20));
    await writeFile(join(dir, 'train', 'notes.txt'), 'not an image');
    await writeFile(join(dir, 'test', 'c.png'), await png(30, 30));
    const data = await celeba.load({ path: dir, size: 4 });
    expect(data.info.splits).toEqual({ train: 2, test: 1 });
    const wide = await data.split('train').read([0]);
    // The centred 20x20 square of a 60x20 image is the green band only.
    for (let p = 0; p < 16; p++) expect(Array.from(wide.images.subarray(3 * p, 3 * p + 3))).toEqual([0, 255, 0]);
    const square = await data.split('test').read([0]);
    // Resampling may ring by a few levels at the band edges.
    expectNear(square.images.subarray(0, 3), [255, 0, 0]);
    expectNear(square.images.subarray(9, 12), [0, 0, 255]);
    const cropped = await celeba.load({ path: dir, size: 2, crop: 10 });
    const centre = await cropped.split('test').read([0]);
    expect(Array.from(centre.images.subarray(0, 3))).toEqual([0, 255, 0]);
  });

  it('keeps no more decoded images than its cache size', async () => {
    await writeCeleba(dir, 12);
    const data = await celeba.load({ path: dir, size: 8, cacheSize: 2, validation: 'train' });
    const split = data.split('train') as ImageFileSplit;
    const batch = await split.read([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(batch.count).toBe(8);
    expect(split.cached).toBe(2);
    const again = await split.read([7]);
    expect(Buffer.compare(Buffer.from(again.images), Buffer.from(batch.images.subarray(7 * 192)))).toBe(0);
    await data.close!();
    expect(split.cached).toBe(0);
  });

  it('names a missing partition file', async () => {
    await writeCeleba(dir, 2, '');
    await expect(celeba.load({ path: dir })).rejects.toThrow(
      `${join(dir, 'list_eval_partition.txt')}: expected the standard split file list_eval_partition.txt beside img_align_celeba/, found no such file`,
    );
  });

  it('names a malformed partition line, and a listed image that is not there', async () => {
    await writeCeleba(dir, 2, '000001.jpg 0\n000002.jpg train\n');
    await expect(celeba.load({ path: dir })).rejects.toThrow(
      /list_eval_partition\.txt: expected lines of the form "<image file> <0\|1\|2>", found line 2: "000002\.jpg train"/,
    );
    await writeFile(join(dir, 'list_eval_partition.txt'), '000001.jpg 0\n000009.jpg 2\n');
    await expect(celeba.load({ path: dir })).rejects.toThrow(/found 000009\.jpg listed but not there/);
  });

  it('names a file that is not an image, and a truncated JPEG, when it is read', async () => {
    await writeCeleba(dir, 3, '000001.jpg 0\n000002.jpg 0\n000003.jpg 2\n');
    await writeFile(join(dir, 'img_align_celeba', '000001.jpg'), 'plain text, not a JPEG');
    const full = await jpeg(36, 44, 99);
    await writeFile(join(dir, 'img_align_celeba', '000002.jpg'), full.subarray(0, full.length >> 1));
    const data = await celeba.load({ path: dir, size: 8 });
    const bad = await data
      .split('train')
      .read([0])
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DatasetFormatError);
    expect((bad as Error).message).toMatch(
      new RegExp(
        `^${join(dir, 'img_align_celeba', '000001.jpg')}: expected a readable image \\(JPEG, PNG or WebP\\), found an error: .*unsupported image format`,
      ),
    );
    await expect(data.split('train').read([1])).rejects.toThrow(/000002\.jpg: expected a readable image .*found an error: .*(premature end|truncated)/i);
    expect((await data.split('test').read([0])).count).toBe(1);
  });

  it('says where it looked when nothing is there', async () => {
    const error = await celeba.load({ path: join(dir, 'nope'), cacheDir: join(dir, 'cache') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toContain(join(dir, 'nope'));
    expect((error as Error).message).toContain('list_eval_partition.txt');
  });
});
