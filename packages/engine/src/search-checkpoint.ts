import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight, OptimizerState, RngState, SearchSpace } from '@asng/core';
import type { DataLoaderState } from '@asng/data';
import { decodeCheckpoint, type CheckpointArray } from './checkpoint-format.js';
import { datasetDifferences, type DatasetFingerprint } from './dataset-fingerprint.js';
import { EnvironmentChangeError, environmentDifferences, type RunEnvironment } from './run-environment.js';
import type { ResolvedSearchConfig } from './search-config.js';
import type { WeightOptimizer } from './weight-optimizer.js';

/** The header of a search checkpoint: every state a resumed run needs besides the weights. */
export interface SearchCheckpointHeader {
  readonly format: 'asng-search';
  readonly space: string;
  readonly variables: readonly string[];
  readonly config: ResolvedSearchConfig;
  readonly step: number;
  readonly seconds: number;
  readonly optimizer: OptimizerState;
  readonly trainLoader: DataLoaderState;
  readonly validationLoader: DataLoaderState;
  readonly batchRng: RngState;
  readonly lastMetrics: Readonly<Record<string, number>>;
  /** The training data; absent from checkpoints written before fingerprints. */
  readonly dataFingerprint?: DatasetFingerprint;
  /** What affects the numbers besides the settings; absent from checkpoints written before it was recorded. */
  readonly environment?: RunEnvironment;
}

/** A search checkpoint as read back: its header and arrays (weights and optimizer slots). */
export interface SearchCheckpoint {
  /** The file's format version: 1 for files written before checksums. */
  readonly version: 1 | 2;
  readonly header: SearchCheckpointHeader;
  readonly arrays: readonly CheckpointArray[];
}

/**
 * Reads the search checkpoint `bytes` (named `path` in errors), refusing a
 * damaged one (see `decodeCheckpoint`), one of another format, of another
 * space, or of the same space with other variables.
 */
export function readSearchCheckpoint(bytes: Uint8Array, path: string, space: SearchSpace): SearchCheckpoint {
  const saved = decodeCheckpoint<SearchCheckpointHeader>(bytes, path);
  const header = saved.header;
  if (header?.format !== 'asng-search') throw new Error(`${path}: not a search checkpoint (format ${JSON.stringify(header?.format)})`);
  if (header.space !== space.name) {
    throw new Error(`${path}: saved for search space '${header.space}', but space '${space.name}' was given`);
  }
  const names = space.variables.map((v) => v.name);
  if (header.variables.length !== names.length || header.variables.some((n, i) => n !== names[i])) {
    throw new Error(`${path}: the space's variables differ from those saved (different space options?)`);
  }
  return { version: saved.version, header, arrays: saved.arrays };
}

/** What {@link checkResumable} compares the checkpoint with. */
export interface ResumeContext {
  readonly dataFingerprint: DatasetFingerprint;
  readonly environment: RunEnvironment;
  readonly acceptEnvironmentChange: boolean;
  readonly onWarning: (message: string) => void;
}

/**
 * Refuses to resume the checkpoint at `path` on other training data (an
 * `Error` saying what differs) or, unless `acceptEnvironmentChange`, in
 * another environment (an {@link EnvironmentChangeError}); warns about what
 * an older checkpoint does not let it check.
 */
export function checkResumable(path: string, saved: SearchCheckpoint, context: ResumeContext): void {
  const { dataFingerprint, environment } = saved.header;
  if (saved.version === 1)
    context.onWarning(`${path}: a checkpoint of format version 1, without checksums: read unverified (the next checkpoint is written as version 2)`);
  if (dataFingerprint === undefined) {
    context.onWarning(`${path}: the checkpoint records no fingerprint of the training data; resuming without checking that the data is the same`);
  } else {
    const differences = datasetDifferences(dataFingerprint, context.dataFingerprint);
    if (differences.length > 0) {
      throw new Error(`${path}: the training data differs from the data the run was saved with (${differences.join('; ')}); resume with the run's own dataset`);
    }
  }
  if (environment === undefined) {
    context.onWarning(`${path}: the checkpoint records no environment (backend, threads, versions); resuming without checking it`);
    return;
  }
  const differences = environmentDifferences(environment, context.environment);
  if (differences.length === 0) return;
  if (!context.acceptEnvironmentChange) throw new EnvironmentChangeError(path, differences);
  context.onWarning(`${path}: resuming in another environment, as accepted (${differences.join('; ')}); the numbers will not continue exactly`);
}

/** The weights as `weight/<name>`, and the optimizer's slots under their own names (`momentum/<name>`, `adam-m/<name>`, ...). */
export function weightArrays(weights: readonly NamedWeight[], weightOptimizer: WeightOptimizer): CheckpointArray[] {
  const arrays: CheckpointArray[] = weights.map((w) => ({ name: `weight/${w.name}`, shape: w.variable.shape, data: w.variable.dataSync() as Float32Array }));
  const names = new Set(weights.map((w) => w.name));
  for (const [key, slot] of weightOptimizer.slotTensors()) {
    if (names.has(key.slice(key.indexOf('/') + 1))) arrays.push({ name: key, shape: slot.shape, data: slot.dataSync() as Float32Array });
  }
  return arrays;
}

/**
 * Assigns the saved weights to the supernet's and gives the optimizer its
 * slots, after checking that every weight is there with its shape; errors
 * name `path`.
 */
export function restoreWeights(path: string, weights: readonly NamedWeight[], weightOptimizer: WeightOptimizer, arrays: readonly CheckpointArray[]): void {
  const byName = new Map(arrays.map((a) => [a.name, a] as const));
  // Check everything before assigning anything.
  for (const w of weights) {
    const a = byName.get(`weight/${w.name}`);
    if (a === undefined) throw new Error(`${path}: weight '${w.name}' is missing (was the search space configured differently?)`);
    if (a.shape.length !== w.variable.shape.length || a.shape.some((d, i) => d !== w.variable.shape[i])) {
      throw new Error(`${path}: weight '${w.name}' has shape [${a.shape.join(', ')}], the supernet expects [${w.variable.shape.join(', ')}]`);
    }
  }
  // Found here, a NaN or an infinity is not blamed on whichever architecture would meet it first.
  for (const a of arrays) {
    const bad = a.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(
        `${path}: array '${a.name}' holds ${a.data[bad]} at index ${bad}: the checkpoint is damaged, or the weights diverged before it was written`,
      );
  }
  for (const w of weights) {
    const a = byName.get(`weight/${w.name}`)!;
    tf.tidy(() => w.variable.assign(tf.tensor(a.data, a.shape as number[], 'float32')));
  }
  const slots = new Map<string, tf.Tensor>();
  for (const a of arrays) {
    if (!a.name.startsWith('weight/')) slots.set(a.name, tf.tensor(a.data, a.shape as number[], 'float32'));
  }
  try {
    weightOptimizer.setSlots(slots);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
