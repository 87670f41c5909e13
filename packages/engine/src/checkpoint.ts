import { readFileSync } from 'node:fs';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointContents, type SavedCheckpoint } from './checkpoint-format.js';

export type { CheckpointArray, CheckpointContents, SavedCheckpoint } from './checkpoint-format.js';

/**
 * Writes a checkpoint file atomically ({@link writeFileAtomic}): a crash or
 * kill at any moment leaves either the previous checkpoint or the new one,
 * never a torn file. The bytes are those of `encodeCheckpoint` (its layout:
 * magic, version, checksummed JSON header, float32 arrays each with its
 * SHA-256), the same as a browser's storage keeps.
 */
export function writeCheckpoint<H>(path: string, contents: CheckpointContents<H>, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, encodeCheckpoint(contents), options);
}

/**
 * Reads a checkpoint file written by {@link writeCheckpoint}, verifying its
 * checksums; a version-1 file (written before checksums) is read unverified,
 * and says so in `version`.
 *
 * @throws An `Error` naming the file and what is wrong: unreadable, not a
 * checkpoint, a version this build cannot read, truncated, trailing bytes, a
 * header that was edited or damaged, or the array whose bytes were damaged.
 */
export function readCheckpoint<H>(path: string): SavedCheckpoint<H> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the checkpoint (${(error as Error).message})`);
  }
  return decodeCheckpoint<H>(bytes, path);
}
