import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFolder } from './image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'asng-image-folder-'));

/** A solid-colour PNG of `w` x `h`. */
async function png(path: string, w: number, h: number, rgb: [number, number, number]): Promise<void> {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path);
}

beforeAll(async () => {
  for (const [split, count] of [
    ['train', 3],
    ['test', 1],
  ] as const) {
    for (const [cls, colour] of [
      ['cat', [200, 10, 10]],
      ['dog', [10, 10, 200]],
    ] as const) {
      mkdirSync(join(root, 'split', split, cls), { recursive: true });
      for (let i = 0; i < count; i++) await png(join(root, 'split', split, cls, `${i}.png`), 20, 12, [...colour]);
    }
  }
  mkdirSync(join(root, 'flat', 'a'), { recursive: true });
  mkdirSync(join(root, 'flat', 'b'), { recursive: true });
  await png(join(root, 'flat', 'a', 'x.png'), 8, 8, [0, 255, 0]);
  await png(join(root, 'flat', 'b', 'y.png'), 8, 8, [255, 255, 255]);
  writeFileSync(join(root, 'flat', 'b', 'notes.txt'), 'not an image');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('imageFolder', () => {
  it('keeps decoded images in a disk cache per split, labels unchanged', async () => {
    const cache = join(root, 'decoded');
    const data = await imageFolder.load({ path: join(root, 'split'), size: 4, diskCache: cache });
    const all = [0, 1, 2, 3, 4, 5];
    const first = await data.split('train').read(all);
    await data.split('test').read([0, 1]);
    await data.close?.();
    // One complete file per split, named after the split's images.
    expect(readdirSync(cache).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    const again = await imageFolder.load({ path: join(root, 'split'), size: 4, diskCache: cache });
    const second = await again.split('train').read(all);
    expect(Array.from(second.labels!)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Buffer.from(second.images).equals(Buffer.from(first.images))).toBe(true);
    await again.close?.();
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it('reads train/ and test/ class folders with labels by class name order', async () => {
    const data = await imageFolder.load({ path: join(root, 'split'), size: 4 });
    expect(data.info).toMatchObject({ name: 'image-folder', shape: [4, 4, 3], classes: 2, classNames: ['cat', 'dog'], splits: { train: 6, test: 2 } });
    const batch = await data.split('train').read([0, 5]);
    expect(Array.from(batch.labels!)).toEqual([0, 1]);
    expect(batch.images.length).toBe(2 * 4 * 4 * 3);
    // The first image is red, the last blue.
    expect(batch.images[0]).toBeGreaterThan(150);
    expect(batch.images[4 * 4 * 3 + 2]).toBeGreaterThan(150);
    expect(Array.from((await data.split('test').read([1])).labels!)).toEqual([1]);
    await data.close?.();
  });

  it('treats a folder of class folders alone as the training split, skipping non-images', async () => {
    const data = await imageFolder.load({ path: join(root, 'flat'), size: 2 });
    expect(data.info.splits).toEqual({ train: 2 });
    expect(() => data.split('test')).toThrow(/no split "test" in .*flat; available: train/);
  });

  it('names what is wrong with bad input', async () => {
    await expect(imageFolder.load({})).rejects.toThrow(/--data-path/);
    await expect(imageFolder.load({ path: join(root, 'missing') })).rejects.toThrow(/missing/);
    await expect(imageFolder.load({ path: join(root, 'flat', 'a') })).rejects.toThrow(/at least two class folders/);
    mkdirSync(join(root, 'split', 'test', 'bird'), { recursive: true });
    await expect(imageFolder.load({ path: join(root, 'split') })).rejects.toThrow(/only the training classes \(cat, dog\).*bird/);
    rmSync(join(root, 'split', 'test', 'bird'), { recursive: true });
    writeFileSync(join(root, 'flat', 'a', 'broken.jpg'), 'this is not a jpeg');
    const data = await imageFolder.load({ path: join(root, 'flat'), size: 2 });
    await expect(data.split('train').read([0])).rejects.toThrow(/broken\.jpg/);
    await expect(imageFolder.load({ path: join(root, 'flat'), size: 0 })).rejects.toThrow(/size must be a positive integer, got 0/);
  });
});
