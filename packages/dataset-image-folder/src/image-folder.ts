import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Dataset, DatasetInfo, DatasetLoader, DatasetLoadOptions, DatasetSplit, ExampleBatch, SplitName } from '@asng/core';
import { diskCacheDir, ImageFileSplit } from '@asng/image-files';
import { DatasetFormatError, DatasetNotFoundError } from '@asng/dataset-files';

/** Options of {@link imageFolder}. */
export interface ImageFolderLoadOptions extends DatasetLoadOptions {
  /** Side of the square images after a centre crop and resize. @default 32 */
  readonly size?: number;
  /** Decoded images kept in memory per split. @default 4096 */
  readonly cacheSize?: number;
  /** Decodes running at once. @default min(8, cores) */
  readonly concurrency?: number;
  /**
   * Keeps the decoded, resized images of each split in a binary file, so
   * that every epoch after the first reads bytes instead of decoding (see
   * `DecodedImageCache` in `@asng/image-files`): `true` for
   * `<cacheDir>/decoded`, or a directory. Rebuilt when an image or option changes.
   * @default false
   */
  readonly diskCache?: boolean | string;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** The image files of each class folder of `dir`, classes in name order, files in name order. */
async function scanClasses(dir: string, classes: readonly string[]): Promise<{ files: string[]; labels: number[] }> {
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classes.entries()) {
    const classDir = join(dir, name);
    if (!(await isDirectory(classDir))) continue;
    const entries = (await readdir(classDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const file of entries) {
      files.push(join(classDir, file));
      labels.push(label);
    }
  }
  return { files, labels };
}

/** A split of labelled image files. */
class LabelledImageSplit implements DatasetSplit {
  readonly size: number;
  constructor(
    private readonly images: ImageFileSplit,
    private readonly labels: Int32Array,
  ) {
    this.size = images.size;
  }

  async read(indices: ArrayLike<number>): Promise<ExampleBatch> {
    const batch = await this.images.read(indices);
    return { ...batch, labels: Int32Array.from(indices, (i) => this.labels[i]!) };
  }

  clear(): void {
    this.images.clear();
  }

  close(): Promise<void> {
    return this.images.close();
  }

  /** Fills the disk cache with every image of the split (see `ImageFileSplit.prepare`). */
  prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.images.prepare(onProgress);
  }
}

/**
 * A folder of images per class, the layout most people have:
 *
 * ```text
 * root/train/<class>/*.jpg   root/test/<class>/*.jpg     (train/ and test/)
 * root/<class>/*.jpg                                     (or only classes: all of it trains)
 * ```
 *
 * Classes are the sub-folder names in alphabetical order (the label of a class
 * is its index); the test split must have the same classes as the training
 * split. Images (JPEG, PNG, WebP, GIF, TIFF, AVIF) are centre-cropped to a
 * square, resized to `size` x `size` and decoded as RGB on demand, with a
 * bounded cache. `path` is required.
 *
 * @example
 * ```ts // not runnable: needs a folder of images
 * const data = await imageFolder.load({ path: '/data/flowers', size: 64 });
 * data.info.classNames; // ['daisy', 'rose', ...]
 * ```
 */
export const imageFolder: DatasetLoader<ImageFolderLoadOptions> = {
  name: 'image-folder',
  description: 'A folder of images per class (root/<class>/*.jpg, or root/train/<class> and root/test/<class>), centre-cropped and resized.',
  async load(options: ImageFolderLoadOptions = {}): Promise<Dataset> {
    const size = options.size ?? 32;
    const cacheSize = options.cacheSize ?? 4096;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`image-folder: size must be a positive integer, got ${size}`);
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError(`image-folder: cacheSize must be a non-negative integer, got ${cacheSize}`);
    const root = options.path;
    if (root === undefined) {
      throw new DatasetNotFoundError('image-folder', [], 'pass the folder as `path` (on the command line: --data-path DIR)');
    }
    if (!(await isDirectory(root))) throw new DatasetNotFoundError('image-folder', [root], `${root} is not a directory of class folders`);
    const hasSplits = (await isDirectory(join(root, 'train'))) && (await isDirectory(join(root, 'test')));
    const trainDir = hasSplits ? join(root, 'train') : root;
    const classes = await subdirectories(trainDir);
    if (classes.length < 2) {
      throw new DatasetFormatError(
        trainDir,
        'at least two class folders of images',
        classes.length === 0 ? 'no sub-folder' : `only the folder '${classes[0]}'`,
      );
    }
    const transform = { size };
    const diskCache = diskCacheDir(options, 'image-folder');
    const make = async (dir: string, split: string): Promise<LabelledImageSplit> => {
      if (split === 'test') {
        const extra = (await subdirectories(dir)).filter((c) => !classes.includes(c));
        if (extra.length > 0) throw new DatasetFormatError(dir, `only the training classes (${classes.join(', ')})`, `the class folder(s) ${extra.join(', ')}`);
      }
      const { files, labels } = await scanClasses(dir, classes);
      if (files.length === 0) throw new DatasetFormatError(dir, 'image files (.jpg, .png, .webp, ...) in the class folders', 'none');
      return new LabelledImageSplit(new ImageFileSplit(files, transform, cacheSize, options.concurrency, diskCache), Int32Array.from(labels));
    };
    const splits: Partial<Record<SplitName, LabelledImageSplit>> = { train: await make(trainDir, 'train') };
    if (hasSplits) splits.test = await make(join(root, 'test'), 'test');
    const info: DatasetInfo = {
      name: 'image-folder',
      shape: [size, size, 3],
      classes: classes.length,
      classNames: classes,
      splits: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v!.size])),
      source: root,
    };
    return {
      info,
      split(name: SplitName): DatasetSplit {
        const split = splits[name];
        if (split === undefined) {
          throw new RangeError(`image-folder: no split ${JSON.stringify(name)} in ${root}; available: ${Object.keys(splits).join(', ')}`);
        }
        return split;
      },
      async close(): Promise<void> {
        await Promise.all(Object.values(splits).map((s) => s.close()));
      },
    };
  },
};
