/**
 * Decodes the images of a dropped folder in the browser, as
 * `@asng/image-files` does with sharp in Node: centre-cropped to a square,
 * resized to `size` x `size`, RGB bytes. Runs in the worker
 * (`createImageBitmap` and `OffscreenCanvas` exist there).
 */
import { type FolderImage, type FolderLayout, holdOutTest } from './image-folder.js';
import type { MemoryDatasetSpec } from './memory-dataset.js';

/** A file that could not be decoded, and the browser's reason. */
export interface BadImage {
  readonly path: string;
  readonly reason: string;
}

/** Decodes one image file to `size * size * 3` RGB bytes, centre-cropped to a square. */
export async function decodeImage(file: Blob, size: number): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file);
  try {
    const side = Math.min(bitmap.width, bitmap.height);
    if (side === 0) throw new Error('the image is empty');
    const canvas = new OffscreenCanvas(size, size);
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no 2D canvas in this browser');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
    const rgba = context.getImageData(0, 0, size, size).data;
    const rgb = new Uint8Array(size * size * 3);
    for (let p = 0; p < size * size; p++) {
      rgb[3 * p] = rgba[4 * p]!;
      rgb[3 * p + 1] = rgba[4 * p + 1]!;
      rgb[3 * p + 2] = rgba[4 * p + 2]!;
    }
    return rgb;
  } finally {
    bitmap.close();
  }
}

/**
 * Decodes every image of `layout` (the files at its indices in `files`) into
 * an in-memory dataset of `size` x `size` RGB images. Files that fail to
 * decode are left out and listed in `bad`; without a `test/` folder every
 * fifth image of each class is held out for testing.
 *
 * @throws when fewer than two classes keep a decodable image.
 */
export async function decodeFolder(
  files: readonly { readonly path: string; readonly file: Blob }[],
  layout: FolderLayout,
  size: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ spec: MemoryDatasetSpec; bad: BadImage[]; heldOut: boolean }> {
  const bad: BadImage[] = [];
  const total = layout.train.length + (layout.test?.length ?? 0);
  let done = 0;
  const decodeAll = async (images: readonly FolderImage[]) => {
    const kept: { pixels: Uint8Array; label: number }[] = [];
    for (const image of images) {
      const { path, file } = files[image.file]!;
      try {
        kept.push({ pixels: await decodeImage(file, size), label: image.label });
      } catch (error) {
        bad.push({ path, reason: (error as Error).message || String(error) });
      }
      onProgress?.(++done, total);
    }
    const pixels = new Uint8Array(kept.length * size * size * 3);
    kept.forEach((k, i) => pixels.set(k.pixels, i * size * size * 3));
    return { images: pixels, labels: Int32Array.from(kept, (k) => k.label) };
  };
  const split = layout.test ? { train: layout.train, test: layout.test } : holdOutTest(layout.train);
  const train = await decodeAll(split.train);
  const test = await decodeAll(split.test);
  const classesLeft = new Set(train.labels).size;
  if (classesLeft < 2) {
    throw new Error(
      `After leaving out ${bad.length} file(s) that could not be decoded, ${classesLeft} class(es) have training images; at least two are needed.`,
    );
  }
  const spec: MemoryDatasetSpec = {
    name: layout.root || 'dropped-images',
    shape: [size, size, 3],
    classNames: layout.classNames,
    source: 'dropped folder',
    train,
    ...(test.labels.length > 0 ? { test } : {}),
  };
  return { spec, bad, heldOut: layout.test === undefined };
}
