import type { DatasetInfo, DatasetSplit } from '@asng/core';
import { Sha256 } from './sha256.js';

/**
 * What identifies the training data of a search, cheaply: the dataset's
 * name, image shape and classes, the size of its `train` split and of the
 * part the search uses, and a hash of a fixed sample of the examples used
 * (pixels and labels). Recorded in `config.json` and every checkpoint, and
 * compared by `resumeSearch`.
 */
export interface DatasetFingerprint {
  readonly name: string;
  readonly shape: readonly number[];
  readonly classes: number;
  /** Examples in the dataset's `train` split. */
  readonly trainExamples: number;
  /** Examples of it the search uses (fewer with `maxExamples`). */
  readonly usedExamples: number;
  /** Number of examples in the hashed sample, evenly spaced over those used. */
  readonly sampleExamples: number;
  /** SHA-256 (hex) of the sample's pixels and labels. */
  readonly sampleSha256: string;
}

/** Examples hashed: enough to tell two datasets apart, few enough to decode in a moment. */
const SAMPLE = 64;

/**
 * The fingerprint of the data a search trains on: `full` is the dataset's
 * `train` split, `used` the part the search uses (its first examples). Reads
 * only the sample, so it costs little even for a streamed dataset.
 */
export async function fingerprintDataset(info: DatasetInfo, full: DatasetSplit, used: DatasetSplit): Promise<DatasetFingerprint> {
  const count = Math.min(SAMPLE, used.size);
  const indices = Int32Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * used.size) / count));
  const hash = new Sha256();
  if (count > 0) {
    const batch = await used.read(indices);
    hash.update(batch.images);
    if (batch.labels) hash.update(new Uint8Array(batch.labels.buffer, batch.labels.byteOffset, batch.labels.byteLength));
  }
  return {
    name: info.name,
    shape: [...info.shape],
    classes: info.classes,
    trainExamples: full.size,
    usedExamples: used.size,
    sampleExamples: count,
    sampleSha256: hash.hex(),
  };
}

/** What differs between the fingerprint a run was saved with and the data given now, one phrase each; empty if they match. */
export function datasetDifferences(saved: DatasetFingerprint, now: DatasetFingerprint): string[] {
  const out: string[] = [];
  if (saved.name !== now.name) out.push(`dataset: saved '${saved.name}', now '${now.name}'`);
  if (saved.shape.join('x') !== now.shape.join('x')) out.push(`image shape: saved ${saved.shape.join('x')}, now ${now.shape.join('x')}`);
  if (saved.classes !== now.classes) out.push(`classes: saved ${saved.classes}, now ${now.classes}`);
  if (saved.trainExamples !== now.trainExamples) out.push(`train split: saved ${saved.trainExamples} examples, now ${now.trainExamples}`);
  if (saved.usedExamples !== now.usedExamples) out.push(`examples used: saved ${saved.usedExamples}, now ${now.usedExamples}`);
  if (out.length === 0 && (saved.sampleExamples !== now.sampleExamples || saved.sampleSha256 !== now.sampleSha256)) {
    out.push(`a sample of ${now.sampleExamples} examples has other pixels or labels (same sizes, different data)`);
  }
  return out;
}
