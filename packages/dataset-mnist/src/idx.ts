import { DatasetFormatError, readMaybeGzipped } from '@asng/dataset-files';

/** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first (`[count, rows, columns]` for images). */
  readonly dims: readonly number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

/**
 * Parses IDX bytes (big-endian header: magic number, then one 32-bit size per
 * dimension, then the data).
 *
 * @param file - named in errors.
 * @param magic - the expected magic number, {@link IDX_IMAGES_MAGIC} or {@link IDX_LABELS_MAGIC}.
 * @throws {@link DatasetFormatError} on a wrong magic number, a truncated file or trailing bytes.
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

/**
 * Reads an images file and a labels file (each gzipped or not) and checks they agree.
 *
 * @throws {@link DatasetFormatError} naming the file on any format error, a count mismatch, or a label outside `[0, classes)`.
 */
export async function readIdxExamples(imagesFile: string, labelsFile: string, classes: number): Promise<IdxExamples> {
  const [imageBytes, labelBytes] = await Promise.all([readMaybeGzipped(imagesFile), readMaybeGzipped(labelsFile)]);
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
