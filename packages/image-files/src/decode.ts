import { readFile } from 'node:fs/promises';
import type SharpFactory from 'sharp';
import { DatasetFormatError } from '@asng/dataset-files';

let sharpLoaded: Promise<typeof SharpFactory> | undefined;

/**
 * sharp, the optional peer that decodes image files, loaded on first use: a
 * project that reads no image files (IDX, CIFAR binaries) does not need it.
 * @throws naming the package and the install command when it is not installed.
 */
function loadSharp(): Promise<typeof SharpFactory> {
  sharpLoaded ??= import('sharp').then(
    (m) => m.default,
    (error: unknown) => {
      sharpLoaded = undefined;
      throw new Error(
        `decoding image files (JPEG, PNG, WebP) needs the optional package sharp, which could not be loaded (${(error as Error).message}): npm install sharp`,
        { cause: error },
      );
    },
  );
  return sharpLoaded;
}

/** How each image is cut and scaled. */
export interface ImageTransform {
  /** Side of the square output, in pixels. */
  readonly size: number;
  /** Side of the centred square cut from the source before resizing; the largest centred square when absent. */
  readonly crop?: number;
}

/**
 * Below this ratio of crop side to output side, the square is decoded at full
 * size and averaged down here: on CelebA-sized images a sharp pipeline
 * without a resize step costs about half of one with it, and averaging a few
 * pixels per output pixel is cheap. From this ratio on, the averaging would
 * cost more than sharp's resize.
 */
const AVERAGE_BELOW_RATIO = 4;

/**
 * Width and height from a JPEG's frame header or a PNG's IHDR chunk, or
 * `null` for any other or unrecognised content (sharp then reads the header).
 */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  const u16 = (at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const u32 = (at: number) => ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
    return { width: u32(16), height: u32(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: u16(at + 7), height: u16(at + 5) };
    } else {
      at += 2 + u16(at + 2);
    }
  }
  return null;
}

/**
 * Per output position along one axis: the source pixels it covers (from
 * `first[o]`, `count[o]` of them) and their weights (`weights[o * taps + t]`),
 * each the fraction of the output pixel's area that source pixel covers.
 */
function areaWeights(source: number, target: number): { first: Int32Array; count: Int32Array; taps: number; weights: Float64Array } {
  const scale = source / target;
  const taps = Math.ceil(scale) + 1;
  const first = new Int32Array(target);
  const count = new Int32Array(target);
  const weights = new Float64Array(target * taps);
  for (let o = 0; o < target; o++) {
    const start = o * scale;
    const end = Math.min(start + scale, source);
    const lo = Math.floor(start);
    first[o] = lo;
    let n = 0;
    while (n < taps && lo + n < end) {
      weights[o * taps + n] = (Math.min(end, lo + n + 1) - Math.max(start, lo + n)) / scale;
      n++;
    }
    count[o] = n;
  }
  return { first, count, taps, weights };
}

/**
 * Shrinks a square RGB image (`side` x `side`, HWC) to `size` x `size` by
 * area averaging: each output pixel is the mean of the source area it
 * covers, fractional pixels weighted by their overlap.
 */
export function averageDown(pixels: Uint8Array, side: number, size: number): Uint8Array {
  const { first, count, taps, weights } = areaWeights(side, size);
  // Rows first (side rows of size pixels), then columns.
  const rows = new Float64Array(side * size * 3);
  for (let y = 0; y < side; y++) {
    const row = y * side * 3;
    let out = y * size * 3;
    for (let o = 0; o < size; o++, out += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      let at = row + first[o]! * 3;
      const n = count[o]!;
      for (let t = o * taps, end = t + n; t < end; t++, at += 3) {
        const w = weights[t]!;
        r += w * pixels[at]!;
        g += w * pixels[at + 1]!;
        b += w * pixels[at + 2]!;
      }
      rows[out] = r;
      rows[out + 1] = g;
      rows[out + 2] = b;
    }
  }
  const stride = size * 3;
  const result = new Uint8Array(size * stride);
  const sums = new Float64Array(stride);
  for (let o = 0; o < size; o++) {
    sums.fill(0);
    let at = first[o]! * stride;
    const n = count[o]!;
    for (let t = o * taps, end = t + n; t < end; t++, at += stride) {
      const w = weights[t]!;
      for (let x = 0; x < stride; x++) sums[x]! += w * rows[at + x]!;
    }
    for (let x = 0; x < stride; x++) result[o * stride + x] = Math.round(sums[x]!);
  }
  return result;
}

/**
 * Decodes an image file (JPEG, PNG, WebP...) with sharp, cuts a centred
 * square, resizes it to `size` x `size` and returns it as `uint8` RGB, HWC.
 * Grey images are expanded to RGB; transparency is composited over black.
 *
 * The file is read once; JPEG and PNG dimensions come from their headers
 * (sharp reads those of other formats). A square less than 4 times the
 * output side is cut out by sharp and area-averaged down here (each output
 * pixel the mean of the source area it covers); a larger one is resized by
 * sharp.
 *
 * @throws {@link DatasetFormatError} naming the file if it is unreadable, not an image, truncated, or smaller than the crop.
 */
export async function decodeImage(file: string, transform: ImageTransform): Promise<Uint8Array> {
  const { size, crop } = transform;
  const sharp = await loadSharp();
  try {
    const bytes = await readFile(file);
    let image = sharp(bytes, { failOn: 'warning' });
    const { width = 0, height = 0 } = imageDimensions(bytes) ?? (await image.metadata());
    const side = crop ?? Math.min(width, height);
    if (width < side || height < side || side === 0) {
      throw new DatasetFormatError(file, `an image at least ${side}x${side} for the centre crop`, `${width}x${height}`);
    }
    const average = side >= size && side < AVERAGE_BELOW_RATIO * size;
    const square = { left: (width - side) >> 1, top: (height - side) >> 1, width: side, height: side };
    // Cut first, then resize, so no pixel outside the square reaches the output.
    image = image.extract(square);
    if (!average) image = image.resize(size, size, { fit: 'fill' });
    const { data, info } = await image.flatten().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const expected = average ? side : size;
    if (info.channels !== 3 || info.width !== expected || info.height !== expected) {
      throw new DatasetFormatError(file, `a ${expected}x${expected} RGB image after decoding`, `${info.width}x${info.height} with ${info.channels} channels`);
    }
    const decoded = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return average && side !== size ? averageDown(decoded, side, size) : decoded;
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(file, 'a readable image (JPEG, PNG or WebP)', `an error: ${(error as Error).message}`);
  }
}
