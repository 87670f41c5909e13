import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { averageDown, decodeImage, imageDimensions } from './decode.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-decode-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A smooth RGB image with some detail, width x height. */
function smooth(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pixels[(y * width + x) * 3] = (x * 255) / width;
      pixels[(y * width + x) * 3 + 1] = (y * 255) / height;
      pixels[(y * width + x) * 3 + 2] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 9);
    }
  }
  return pixels;
}

describe('imageDimensions', () => {
  it('reads JPEG and PNG headers, and gives null for anything else', async () => {
    const raw = { raw: { width: 37, height: 21, channels: 3 as const } };
    expect(imageDimensions(await sharp(smooth(37, 21), raw).jpeg().toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(await sharp(smooth(37, 21), raw).jpeg({ progressive: true }).toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(await sharp(smooth(37, 21), raw).withMetadata().jpeg().toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(await sharp(smooth(37, 21), raw).png().toBuffer())).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(await sharp(smooth(37, 21), raw).webp().toBuffer())).toBeNull();
    expect(imageDimensions(Buffer.from('plain text'))).toBeNull();
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeNull();
  });
});

describe('averageDown', () => {
  it('averages whole blocks exactly when the ratio is an integer', () => {
    // 4x4 -> 2x2: each output pixel is the mean of a 2x2 block.
    const pixels = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i % 3 === 0 ? Math.floor(i / 3) * 10 : 7));
    const out = averageDown(pixels, 4, 2);
    expect(Array.from(out.filter((_, i) => i % 3 === 0))).toEqual([25, 45, 105, 125]);
    expect(Array.from(out.filter((_, i) => i % 3 !== 0))).toEqual(new Array(8).fill(7));
  });

  it('keeps a constant image constant at a fractional ratio, and matches sharp on a smooth image', async () => {
    expect(averageDown(new Uint8Array(178 * 178 * 3).fill(93), 178, 64).every((v) => v === 93)).toBe(true);
    const side = 178;
    const pixels = smooth(side, side);
    const ours = averageDown(pixels, side, 64);
    const theirs = await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
      .resize(64, 64, { fit: 'fill' })
      .raw()
      .toBuffer();
    let total = 0;
    for (let i = 0; i < ours.length; i++) total += Math.abs(ours[i]! - theirs[i]!);
    expect(total / ours.length).toBeLessThan(1.5);
  });
});

describe('decodeImage', () => {
  it('gives the same pixels as cutting and resizing with sharp, within a few levels', async () => {
    const file = join(dir, 'face.jpg');
    const raw = { raw: { width: 178, height: 218, channels: 3 as const } };
    await writeFile(file, await sharp(smooth(178, 218), raw).jpeg({ quality: 95 }).toBuffer());
    for (const [size, crop] of [
      [64, undefined],
      [100, 150],
      [32, undefined],
    ] as const) {
      const side = crop ?? 178;
      const ours = await decodeImage(file, { size, ...(crop === undefined ? {} : { crop }) });
      const theirs = await sharp(file)
        .extract({ left: (178 - side) >> 1, top: (218 - side) >> 1, width: side, height: side })
        .resize(size, size, { fit: 'fill' })
        .raw()
        .toBuffer();
      expect(ours.length).toBe(size * size * 3);
      let total = 0;
      for (let i = 0; i < ours.length; i++) total += Math.abs(ours[i]! - theirs[i]!);
      expect(total / ours.length).toBeLessThan(2);
    }
  });

  it('expands a grey JPEG to RGB and names a file smaller than the crop', async () => {
    const file = join(dir, 'grey.jpg');
    await writeFile(
      file,
      await sharp(Buffer.alloc(20 * 20, 150), { raw: { width: 20, height: 20, channels: 1 } })
        .jpeg()
        .toBuffer(),
    );
    const pixels = await decodeImage(file, { size: 8 });
    expect(pixels.length).toBe(8 * 8 * 3);
    expect(Math.abs(pixels[0]! - 150)).toBeLessThanOrEqual(2);
    expect(pixels[0]).toBe(pixels[2]);
    await expect(decodeImage(file, { size: 8, crop: 30 })).rejects.toThrow(`${file}: expected an image at least 30x30 for the centre crop, found 20x20`);
    await expect(decodeImage(join(dir, 'absent.jpg'), { size: 8 })).rejects.toThrow(
      /absent\.jpg: expected a readable image \(JPEG, PNG or WebP\), found an error: .*ENOENT/,
    );
  });
});
