import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, DatasetInfo, DatasetLoader, DatasetLoadOptions, DatasetSplit, SplitName } from '@asng/core';
import { DatasetFormatError, exists, InMemorySplit, locateDataset, readTar } from '@asng/dataset-files';

/** Bytes per record of the binary version: one label byte, then 32x32 red, green and blue planes. */
export const CIFAR10_RECORD_BYTES = 3073;

/** CIFAR-10's class names, indexed by label. */
export const CIFAR10_CLASS_NAMES: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** The official site, which serves `cifar-10-binary.tar.gz`. */
export const CIFAR10_MIRROR = 'https://www.cs.toronto.edu/~kriz/';

/** Name of the official archive of the binary version. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';

/** Published SHA-256 of {@link CIFAR10_ARCHIVE} (its MD5 on the site is `c32a1d4ab5d03f1284b67883e8d87530`). */
export const CIFAR10_ARCHIVE_SHA256 = 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd';

const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST_FILES = ['test_batch.bin'];
const FOLDER = 'cifar-10-batches-bin';

/** Options of the CIFAR-10 loader. `path` may be the extracted folder, a folder holding it or the archive, or the `.tar.gz` itself. */
export interface Cifar10LoadOptions extends DatasetLoadOptions {
  /** The fetch implementation used for downloads. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

type Found = { readonly kind: 'folder'; readonly dir: string } | { readonly kind: 'archive'; readonly file: string };

async function probe(place: string): Promise<Found | null> {
  if ((await stat(place)).isFile()) return { kind: 'archive', file: place };
  for (const dir of [place, join(place, FOLDER)]) {
    if (await exists(join(dir, TRAIN_FILES[0]!))) return { kind: 'folder', dir };
  }
  const archive = join(place, CIFAR10_ARCHIVE);
  return (await exists(archive)) ? { kind: 'archive', file: archive } : null;
}

/**
 * Decodes records of the binary version into HWC images and labels.
 *
 * @param file - named in errors.
 * @throws {@link DatasetFormatError} if the size is not a whole number of 3073-byte records or a label is not in `[0, 9]`.
 */
export function decodeCifar10Records(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DatasetFormatError(
      file,
      `a whole number of ${CIFAR10_RECORD_BYTES}-byte records (1 label byte + 3072 pixel bytes)`,
      `${bytes.length} bytes (${bytes.length % CIFAR10_RECORD_BYTES} bytes over a whole number)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base]!;
    if (label > 9) throw new DatasetFormatError(file, 'labels in [0, 9]', `label ${label} in record ${r}`);
    labels[r] = label;
    const out = r * 3072;
    for (let p = 0; p < 1024; p++) {
      images[out + 3 * p] = bytes[base + 1 + p]!;
      images[out + 3 * p + 1] = bytes[base + 1025 + p]!;
      images[out + 3 * p + 2] = bytes[base + 2049 + p]!;
    }
  }
  return { images, labels };
}

function concat(parts: { images: Uint8Array; labels: Int32Array }[]): { images: Uint8Array; labels: Int32Array } {
  const images = new Uint8Array(parts.reduce((n, p) => n + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let i = 0;
  let l = 0;
  for (const part of parts) {
    images.set(part.images, i);
    labels.set(part.labels, l);
    i += part.images.length;
    l += part.labels.length;
  }
  return { images, labels };
}

async function readBatches(found: Found): Promise<Record<SplitName, { images: Uint8Array; labels: Int32Array }>> {
  const wanted = [...TRAIN_FILES, ...TEST_FILES];
  const decoded = new Map<string, { images: Uint8Array; labels: Int32Array }>();
  if (found.kind === 'folder') {
    for (const name of wanted) {
      const file = join(found.dir, name);
      if (!(await exists(file))) throw new DatasetFormatError(found.dir, `the CIFAR-10 batch files ${wanted.join(', ')}`, `no ${name}`);
      decoded.set(name, decodeCifar10Records(await readFile(file), file));
    }
  } else {
    const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);
    for await (const entry of readTar(found.file, (name) => wanted.includes(baseName(name)))) {
      if (entry.data !== null) decoded.set(baseName(entry.name), decodeCifar10Records(entry.data, `${found.file}:${entry.name}`));
    }
    const missing = wanted.filter((name) => !decoded.has(name));
    if (missing.length > 0) throw new DatasetFormatError(found.file, `an archive holding ${wanted.join(', ')}`, `one without ${missing.join(', ')}`);
  }
  return {
    train: concat(TRAIN_FILES.map((name) => decoded.get(name)!)),
    test: concat(TEST_FILES.map((name) => decoded.get(name)!)),
  };
}

/**
 * CIFAR-10 (Krizhevsky, 2009), binary version: 50,000 + 10,000 colour 32x32
 * images in ten classes. Reads the extracted `cifar-10-batches-bin` folder
 * or the `.tar.gz` itself (streamed, never extracted to disk); searches the
 * user path, then the cache, then downloads the archive from
 * {@link CIFAR10_MIRROR}, verified by SHA-256.
 *
 * @example
 * ```ts
 * const data = await cifar10.load({ path: '/data/cifar-10-binary.tar.gz' });
 * data.info.shape; // [32, 32, 3]
 * ```
 */
export const cifar10: DatasetLoader<Cifar10LoadOptions> = {
  name: 'cifar10',
  description: 'CIFAR-10: 60,000 colour 32x32 images in 10 classes (binary version, folder or .tar.gz).',
  async load(options: Cifar10LoadOptions = {}): Promise<Dataset> {
    const located = await locateDataset({
      ...options,
      dataset: 'cifar10',
      probe,
      mirror: options.mirror ?? CIFAR10_MIRROR,
      remoteFiles: [{ name: CIFAR10_ARCHIVE, sha256: CIFAR10_ARCHIVE_SHA256 }],
      howToGet: `download ${CIFAR10_MIRROR}${CIFAR10_ARCHIVE} (the binary version, from https://www.cs.toronto.edu/~kriz/cifar.html) and pass the archive or its extracted folder as \`path\`, or allow downloading (\`download: true\`) on a machine with internet access.`,
    });
    const data = await readBatches(located.found);
    const shape = [32, 32, 3] as const;
    const splits: Record<SplitName, DatasetSplit> = {
      train: new InMemorySplit(shape, data.train.images, data.train.labels),
      test: new InMemorySplit(shape, data.test.images, data.test.labels),
    };
    const info: DatasetInfo = {
      name: 'cifar10',
      shape,
      classes: 10,
      classNames: CIFAR10_CLASS_NAMES,
      splits: { train: data.train.labels.length, test: data.test.labels.length },
      source: located.found.kind === 'folder' ? located.found.dir : located.found.file,
    };
    return {
      info,
      split(name: SplitName): DatasetSplit {
        const split = splits[name];
        if (split === undefined) throw new RangeError(`cifar10: no split ${JSON.stringify(name)}; available: train, test`);
        return split;
      },
    };
  },
};
