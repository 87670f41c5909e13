import { readMaybeGzipped } from '@asng/dataset-files';
import { idxExamplesFromBytes, type IdxExamples } from './idx-bytes.js';

export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx-bytes.js';
export type { IdxArray, IdxExamples } from './idx-bytes.js';

/**
 * Reads an images file and a labels file (each gzipped or not) and checks they agree.
 *
 * @throws `DatasetFormatError` naming the file on any format error, a count mismatch, or a label outside `[0, classes)`.
 */
export async function readIdxExamples(imagesFile: string, labelsFile: string, classes: number): Promise<IdxExamples> {
  const [imageBytes, labelBytes] = await Promise.all([readMaybeGzipped(imagesFile), readMaybeGzipped(labelsFile)]);
  return idxExamplesFromBytes(imageBytes, labelBytes, imagesFile, labelsFile, classes);
}
