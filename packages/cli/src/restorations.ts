import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, Rng, namesCorruption, taskFor, type Architecture, type Dataset, type ImageShape, type SearchSpace } from '@asng/core';
import { readCheckpoint, runFiles, writeFileAtomic } from '@asng/engine';
import { readJsonFile } from './json-file.js';

/** The file of a run directory that holds its sample restorations, for the report's image grids. */
export const RESTORATIONS_FILE = 'restorations.json';

/** One image of a {@link RestorationSet}: three images of the set's shape, 8-bit HWC pixels in base64. */
export interface RestorationSample {
  /** The corrupted input the model saw. */
  readonly input: string;
  /** The model's output, clipped to `[0, 1]`. */
  readonly output: string;
  /** The clean image. */
  readonly target: string;
}

/** Sample restorations of one model (or method) under one corruption. */
export interface RestorationSet {
  /** What restored them: `'search'` (the most likely architecture with the supernet's weights), `'retrain'`, or a baseline's name. */
  readonly source: string;
  /** A caption, for example `'most likely architecture, supernet weights'`. */
  readonly label: string;
  /** The corruption, for example `'center'`. */
  readonly mask: string;
  /** Shape of every image. */
  readonly shape: ImageShape;
  readonly samples: readonly RestorationSample[];
}

/** The name of a space's corruption: its `corruption` when it has the `CorruptionNamer` ability of `@asng/core` (the inpainting space), else `'corruption'`. */
export function corruptionName(space: SearchSpace): string {
  return namesCorruption(space) ? space.corruption : 'corruption';
}

const toBase64 = (values: Float32Array | Int32Array | Uint8Array, from: number, size: number) =>
  Buffer.from(Uint8Array.from(values.subarray(from, from + size), (v) => Math.round(255 * Math.min(1, Math.max(0, v))))).toString('base64');

/**
 * A {@link RestorationSet} from tensors of `n` images in `[0, 1]`: the
 * corrupted inputs, the outputs (clipped here) and the clean targets, all of
 * the same shape. The tensors stay the caller's.
 */
export async function restorationSet(
  meta: { readonly source: string; readonly label: string; readonly mask: string },
  inputs: tf.Tensor4D,
  outputs: tf.Tensor4D,
  targets: tf.Tensor4D,
): Promise<RestorationSet> {
  const [n, h, w, c] = targets.shape;
  for (const [name, t] of [
    ['inputs', inputs],
    ['outputs', outputs],
  ] as const) {
    if (t.shape.some((d, i) => d !== targets.shape[i]))
      throw new RangeError(`restorationSet: ${name} have shape [${t.shape.join(', ')}], the targets [${targets.shape.join(', ')}]`);
  }
  const [x, y, z] = (await Promise.all([inputs.data(), outputs.data(), targets.data()])) as Float32Array[];
  const size = h * w * c;
  const samples = Array.from({ length: n }, (_, i) => ({
    input: toBase64(x!, i * size, size),
    output: toBase64(y!, i * size, size),
    target: toBase64(z!, i * size, size),
  }));
  return { ...meta, shape: [h, w, c], samples };
}

/** Options of {@link sampleRestorations}. */
export interface SampleRestorationsOptions {
  readonly space: SearchSpace;
  readonly dataset: Dataset;
  /** The model: restored images from corrupted ones. The result is disposed here; the inputs stay the caller's. */
  readonly restore: (inputs: tf.Tensor4D) => tf.Tensor;
  readonly source: string;
  readonly label: string;
  /** How many test images. @default 4 */
  readonly count?: number;
  /** Seed of the corruption, so that every model of a run sees the same holes. @default 0 */
  readonly seed?: number;
}

/**
 * Corrupts the first `count` images of the test split (the training split if
 * there is none) with `space.toBatch`, as in training, and restores them.
 */
export async function sampleRestorations(options: SampleRestorationsOptions): Promise<RestorationSet> {
  const { space, dataset } = options;
  const info = dataset.info;
  const splitName = info.splits.test !== undefined && info.splits.test > 0 ? 'test' : 'train';
  const split = dataset.split(splitName);
  const count = Math.min(options.count ?? 4, split.size);
  const raw = await split.read(Int32Array.from({ length: count }, (_, i) => i));
  const task = taskFor(space, info);
  const images = tf.tidy(() => tf.div(tf.tensor4d(raw.images, [count, ...info.shape], 'int32'), 255) as tf.Tensor4D);
  const batch = space.toBatch(images, null, task, new Rng(options.seed ?? 0));
  let outputs: tf.Tensor | undefined;
  try {
    outputs = options.restore(batch.inputs);
    return await restorationSet(
      { source: options.source, label: options.label, mask: corruptionName(space) },
      batch.inputs,
      outputs as tf.Tensor4D,
      batch.targets as tf.Tensor4D,
    );
  } finally {
    tf.dispose([images, ...batchTensors(batch), ...(outputs ? [outputs] : [])]);
  }
}

/** The restoration sets of a run directory, `[]` when it has none. */
export function readRestorations(runDir: string): RestorationSet[] {
  const path = join(runDir, RESTORATIONS_FILE);
  if (!existsSync(path)) return [];
  const parsed = readJsonFile<{ format?: unknown; sets?: unknown }>(path);
  if (parsed.format !== 'asng-restorations' || !Array.isArray(parsed.sets)) throw new Error(`${path}: expected {"format": "asng-restorations", "sets": [...]}`);
  return parsed.sets as RestorationSet[];
}

/** Adds a set to the run's {@link RESTORATIONS_FILE}, replacing one of the same source and mask; the file is replaced atomically. */
export function writeRestorationSet(runDir: string, set: RestorationSet): void {
  const sets = readRestorations(runDir).filter((s) => s.source !== set.source || s.mask !== set.mask);
  writeFileAtomic(join(runDir, RESTORATIONS_FILE), `${JSON.stringify({ format: 'asng-restorations', sets: [...sets, set] })}\n`);
}

/**
 * Writes the restorations of a finished search's most likely architecture,
 * with the supernet's weights from the run's checkpoint (the search itself
 * has freed its supernet by then).
 */
export async function writeSearchRestorations(runDir: string, space: SearchSpace, dataset: Dataset, best: Architecture): Promise<void> {
  const path = runFiles(runDir).checkpoint;
  const saved = readCheckpoint<unknown>(path);
  const supernet = space.createSupernet(taskFor(space, dataset.info), new Rng(0));
  try {
    const arrays = new Map(saved.arrays.map((a) => [a.name, a]));
    for (const w of supernet.weights) {
      const a = arrays.get(`weight/${w.name}`);
      if (a === undefined || a.data.length !== w.variable.size) throw new Error(`${path}: weight '${w.name}' is missing or of another size`);
      tf.tidy(() => w.variable.assign(tf.tensor(a.data, w.variable.shape)));
    }
    const set = await sampleRestorations({
      space,
      dataset,
      restore: (x) => supernet.apply(best, x, { training: false }),
      source: 'search',
      label: 'most likely architecture, supernet weights',
    });
    writeRestorationSet(runDir, set);
  } finally {
    supernet.dispose();
  }
}

/** Writes the restorations of a retrained model. The model stays the caller's. */
export async function writeModelRestorations(
  runDir: string,
  space: SearchSpace,
  dataset: Dataset,
  model: { predict(x: tf.Tensor4D): tf.Tensor | tf.Tensor[] },
  source = 'retrain',
  label = 'most likely architecture, retrained from scratch',
): Promise<void> {
  writeRestorationSet(runDir, await sampleRestorations({ space, dataset, restore: (x) => model.predict(x) as tf.Tensor, source, label }));
}

/**
 * After a completed search of an image-to-image space, writes the sample
 * restorations of its most likely architecture; returns the result unchanged.
 */
export async function afterSearch<R extends { readonly status: string; readonly best: Architecture }>(
  result: R,
  runDir: string,
  space: SearchSpace,
  dataset: Dataset,
): Promise<R> {
  if (result.status === 'completed' && space.kind === 'image-to-image') await writeSearchRestorations(runDir, space, dataset, result.best);
  return result;
}
