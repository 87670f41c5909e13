import type { Dataset, DatasetInfo, DatasetSplit, SplitName } from '@asng/core';
import { DatasetFormatError, gunzipBytes, InMemorySplit } from '@asng/dataset-files/browser';

/** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** The four files of an IDX dataset, by their uncompressed names. */
export interface IdxFileNames {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/** The standard MNIST file names, shared by Fashion-MNIST. */
export const MNIST_FILE_NAMES: IdxFileNames = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The bytes of the four files of an IDX dataset, each gzipped or not. */
export type IdxBytes = { readonly [K in keyof IdxFileNames]: Uint8Array };

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first (`[count, rows, columns]` for images). */
  readonly dims: readonly number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

/** Images and labels read from a pair of IDX files. */
export interface IdxExamples {
  /** Number of examples. */
  readonly count: number;
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly columns: number;
  /** `count * rows * columns` grey levels. */
  readonly images: Uint8Array;
  /** One label per image, each in `[0, classes)`. */
  readonly labels: Int32Array;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

/**
 * Parses IDX bytes (big-endian header: magic number, then one 32-bit size per
 * dimension, then the data).
 *
 * @param file - named in errors.
 * @param magic - the expected magic number, {@link IDX_IMAGES_MAGIC} or {@link IDX_LABELS_MAGIC}.
 * @throws `DatasetFormatError` on a wrong magic number, a truncated file or trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, file: string, magic: number): IdxArray {
  if (bytes.length < 4) throw new DatasetFormatError(file, `an IDX file starting with magic number ${hex(magic)}`, `only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw new DatasetFormatError(file, `IDX magic number ${hex(magic)}`, hex(found));
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetFormatError(file, `a ${headerBytes}-byte IDX header`, `a truncated file of ${bytes.length} bytes`);
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new DatasetFormatError(file, `${expected} bytes for dimensions ${dims.join('x')}`, `${bytes.length} (the file is truncated)`);
  }
  if (bytes.length > expected) {
    throw new DatasetFormatError(file, `${expected} bytes for dimensions ${dims.join('x')}`, `${bytes.length} (trailing data)`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * The examples of an images file and a labels file given as (uncompressed)
 * bytes, checked to agree.
 *
 * @param imagesFile - names the images in errors; `labelsFile` likewise.
 * @throws `DatasetFormatError` naming the file on any format error, a count mismatch, or a label outside `[0, classes)`.
 */
export function idxExamplesFromBytes(imageBytes: Uint8Array, labelBytes: Uint8Array, imagesFile: string, labelsFile: string, classes: number): IdxExamples {
  const images = parseIdx(imageBytes, imagesFile, IDX_IMAGES_MAGIC);
  const labelArray = parseIdx(labelBytes, labelsFile, IDX_LABELS_MAGIC);
  const [count, rows, columns] = images.dims as [number, number, number];
  const labelCount = labelArray.dims[0]!;
  if (labelCount !== count) {
    throw new DatasetFormatError(labelsFile, `${count} labels, one per image of ${imagesFile}`, `${labelCount}`);
  }
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labelArray.data[i]!;
    if (label >= classes) {
      throw new DatasetFormatError(labelsFile, `labels in [0, ${classes - 1}]`, `label ${label} at index ${i}`);
    }
    labels[i] = label;
  }
  return { count, rows, columns, images: images.data, labels };
}

/** What names an IDX dataset: its name and class names (their count is the number of classes). */
export interface IdxDatasetNames {
  readonly name: string;
  readonly classNames: readonly string[];
}

/**
 * The dataset of a training and a test pair of examples.
 *
 * @param source - recorded as `DatasetInfo.source`.
 */
export function idxDataset(train: IdxExamples, test: IdxExamples, spec: IdxDatasetNames, source: string): Dataset {
  const shape = [train.rows, train.columns, 1] as const;
  if (test.rows !== train.rows || test.columns !== train.columns) {
    throw new RangeError(`${spec.name}: test images ${test.rows}x${test.columns} differ from training images ${train.rows}x${train.columns}`);
  }
  const splits: Record<SplitName, DatasetSplit> = {
    train: new InMemorySplit(shape, train.images, train.labels),
    test: new InMemorySplit(shape, test.images, test.labels),
  };
  const info: DatasetInfo = {
    name: spec.name,
    shape,
    classes: spec.classNames.length,
    classNames: spec.classNames,
    splits: { train: train.count, test: test.count },
    source,
  };
  return {
    info,
    split(name: SplitName): DatasetSplit {
      const split = splits[name];
      if (split === undefined) throw new RangeError(`${spec.name}: no split ${JSON.stringify(name)}; available: train, test`);
      return split;
    },
  };
}

/**
 * An IDX dataset from the bytes of its four files, each gzipped or not (a
 * browser's `fetch`, a dropped file): the same dataset as `openIdxDataset`
 * reads from files, in any JavaScript runtime.
 *
 * @param names - the files' names, used in errors. @default {@link MNIST_FILE_NAMES}
 * @throws `DatasetFormatError` naming the file that is not valid.
 */
export async function idxDatasetFromBytes(files: IdxBytes, spec: IdxDatasetNames, source: string, names: IdxFileNames = MNIST_FILE_NAMES): Promise<Dataset> {
  for (const key of Object.keys(names) as (keyof IdxFileNames)[]) {
    if (!(files?.[key] instanceof Uint8Array))
      throw new TypeError(`${spec.name}: files.${key}: expected the bytes of ${names[key]} (a Uint8Array), got ${typeof files?.[key]}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    gunzipBytes(files.trainImages, names.trainImages),
    gunzipBytes(files.trainLabels, names.trainLabels),
    gunzipBytes(files.testImages, names.testImages),
    gunzipBytes(files.testLabels, names.testLabels),
  ]);
  const classes = spec.classNames.length;
  const train = idxExamplesFromBytes(trainImages, trainLabels, names.trainImages, names.trainLabels, classes);
  const test = idxExamplesFromBytes(testImages, testLabels, names.testImages, names.testLabels, classes);
  return idxDataset(train, test, spec, source);
}
