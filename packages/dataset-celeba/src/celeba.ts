import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, DatasetInfo, DatasetLoader, DatasetLoadOptions, DatasetSplit, SplitName } from '@asng/core';
import { DatasetFormatError, exists, locateDataset } from '@asng/dataset-files';
import { diskCacheDir, ImageFileSplit, type DecodedImageCache } from '@asng/image-files';

/** Options of the CelebA loader. */
export interface CelebaLoadOptions extends DatasetLoadOptions {
  /** Side of the square images produced. @default 64 */
  readonly size?: number;
  /**
   * Side of the centred square cut from each source image before resizing.
   * @default the largest centred square (178 for the aligned 178x218 CelebA images)
   */
  readonly crop?: number;
  /** Decoded images kept in memory per split. @default 2048 */
  readonly cacheSize?: number;
  /** Images decoded at once. @default min(8, available cores) */
  readonly concurrency?: number;
  /**
   * Keeps the decoded, resized images of each split in a binary file, so
   * that every epoch after the first reads bytes instead of decoding JPEGs
   * (see {@link DecodedImageCache}): `true` for `<cacheDir>/decoded`, or a
   * directory. The file takes `size * size * 3` bytes per image (about 2.4 GB
   * for CelebA at 64x64) and is rebuilt when an image or option changes.
   * @default false
   */
  readonly diskCache?: boolean | string;
  /**
   * Where the standard split's validation part (partition 1) goes: dropped,
   * or added to the training split.
   * @default 'exclude'
   */
  readonly validation?: 'exclude' | 'train';
}

/** Standard split file of CelebA, beside `img_align_celeba/`. */
export const CELEBA_PARTITION_FILE = 'list_eval_partition.txt';
/** Folder of CelebA's aligned and cropped images. */
export const CELEBA_IMAGE_FOLDER = 'img_align_celeba';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

type Layout = { readonly kind: 'celeba'; readonly dir: string } | { readonly kind: 'folders'; readonly dir: string };

async function isDirectory(path: string): Promise<boolean> {
  return (await exists(path)) && (await stat(path)).isDirectory();
}

async function probe(place: string): Promise<Layout | null> {
  if (await isDirectory(join(place, CELEBA_IMAGE_FOLDER))) {
    const partition = join(place, CELEBA_PARTITION_FILE);
    if (!(await exists(partition))) {
      throw new DatasetFormatError(partition, `the standard split file ${CELEBA_PARTITION_FILE} beside ${CELEBA_IMAGE_FOLDER}/`, 'no such file');
    }
    return { kind: 'celeba', dir: place };
  }
  if ((await isDirectory(join(place, 'train'))) && (await isDirectory(join(place, 'test')))) return { kind: 'folders', dir: place };
  return null;
}

/**
 * Parses `list_eval_partition.txt` (`<image> <0|1|2>` per line: train, validation, test).
 *
 * @throws {@link DatasetFormatError} naming the file and line of a malformed entry.
 */
export function parsePartition(text: string, file: string): { name: string; partition: 0 | 1 | 2 }[] {
  const entries: { name: string; partition: 0 | 1 | 2 }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const match = /^(\S+)\s+([012])$/.exec(line);
    if (match === null) throw new DatasetFormatError(file, 'lines of the form "<image file> <0|1|2>"', `line ${i + 1}: ${JSON.stringify(line)}`);
    entries.push({ name: match[1]!, partition: Number(match[2]) as 0 | 1 | 2 });
  }
  if (entries.length === 0) throw new DatasetFormatError(file, 'at least one "<image file> <0|1|2>" line', 'an empty file');
  return entries;
}

async function imagesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => IMAGE_EXTENSIONS.test(name)).sort();
  if (names.length === 0) throw new DatasetFormatError(dir, 'a folder of images (.jpg, .jpeg, .png or .webp)', 'none');
  return names.map((name) => join(dir, name));
}

async function splitFiles(layout: Layout, validation: 'exclude' | 'train'): Promise<Record<SplitName, string[]>> {
  if (layout.kind === 'folders') {
    return { train: await imagesIn(join(layout.dir, 'train')), test: await imagesIn(join(layout.dir, 'test')) };
  }
  const partitionFile = join(layout.dir, CELEBA_PARTITION_FILE);
  const entries = parsePartition(await readFile(partitionFile, 'utf8'), partitionFile);
  const imageDir = join(layout.dir, CELEBA_IMAGE_FOLDER);
  const present = new Set(await readdir(imageDir));
  const missing = entries.find((entry) => !present.has(entry.name));
  if (missing !== undefined) {
    throw new DatasetFormatError(partitionFile, `every listed image in ${imageDir}`, `${missing.name} listed but not there`);
  }
  const trainParts = validation === 'train' ? [0, 1] : [0];
  return {
    train: entries.filter((e) => trainParts.includes(e.partition)).map((e) => join(imageDir, e.name)),
    test: entries.filter((e) => e.partition === 2).map((e) => join(imageDir, e.name)),
  };
}

/**
 * CelebA for inpainting (Liu et al., 2015): unlabelled face images, centre-
 * cropped and resized (64x64 by default), decoded on demand with sharp so
 * that memory stays bounded. Reads either layout:
 *
 * - the aligned images `img_align_celeba/*.jpg` with `list_eval_partition.txt`
 *   (the standard split: partition 0 trains, 2 tests);
 * - a plain folder with `train/` and `test/` folders of images, the split
 *   used by the paper's inpainting code.
 *
 * CelebA is not downloaded automatically (its hosts require a manual step);
 * `path` is searched first, then `cacheDir/celeba`.
 *
 * @example
 * ```ts
 * const data = await celeba.load({ path: '/data/celeba', size: 64 });
 * const first = await data.split('train').read([0]); // 64 * 64 * 3 bytes
 * ```
 */
export const celeba: DatasetLoader<CelebaLoadOptions> = {
  name: 'celeba',
  description: 'CelebA: face images (img_align_celeba + list_eval_partition.txt, or train/ and test/ folders), centre-cropped and resized.',
  async load(options: CelebaLoadOptions = {}): Promise<Dataset> {
    const size = options.size ?? 64;
    const cacheSize = options.cacheSize ?? 2048;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`celeba: size must be a positive integer, got ${size}`);
    if (options.crop !== undefined && !(Number.isInteger(options.crop) && options.crop > 0))
      throw new RangeError(`celeba: crop must be a positive integer, got ${options.crop}`);
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError(`celeba: cacheSize must be a non-negative integer, got ${cacheSize}`);
    const located = await locateDataset({
      ...options,
      dataset: 'celeba',
      probe,
      download: false,
      howToGet:
        'download img_align_celeba.zip and list_eval_partition.txt from https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html, unzip them into one directory and pass it as `path`; or pass a directory with train/ and test/ folders of images.',
    });
    const files = await splitFiles(located.found, options.validation ?? 'exclude');
    const transform = { size, ...(options.crop === undefined ? {} : { crop: options.crop }) };
    const diskCache = diskCacheDir(options, 'celeba');
    const splits: Record<SplitName, ImageFileSplit> = {
      train: new ImageFileSplit(files.train, transform, cacheSize, options.concurrency, diskCache),
      test: new ImageFileSplit(files.test, transform, cacheSize, options.concurrency, diskCache),
    };
    const info: DatasetInfo = {
      name: 'celeba',
      shape: [size, size, 3],
      classes: 0,
      splits: { train: files.train.length, test: files.test.length },
      source: located.source,
    };
    return {
      info,
      split(name: SplitName): DatasetSplit {
        const split = splits[name];
        if (split === undefined) throw new RangeError(`celeba: no split ${JSON.stringify(name)}; available: train, test`);
        return split;
      },
      async close(): Promise<void> {
        await Promise.all([splits.train.close(), splits.test.close()]);
      },
    };
  },
};
