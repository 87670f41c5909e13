/**
 * `bench:gpu`, part (b): the classification search iteration, run by the
 * engine's own `runSearch` on the active backend, each iteration timed from
 * one `onStep` to the next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Dataset, Rng } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files';
import { runSearch } from '@asng/engine';
import { createImageClassificationSpace, type ImageClassificationSpace } from '@asng/space-image-classification';
import { type BenchSizes, classes, log, type PartResult, shape, stats, unsupportedFrom } from './bench-gpu-common.ts';

/** Random 32x32x3 images with random labels: the timing does not depend on the pixels. */
export function randomDataset(size: number): Dataset {
  const rng = new Rng(1);
  const pixels = shape[0] * shape[1] * shape[2];
  const images = Uint8Array.from({ length: size * pixels }, () => rng.int(256));
  const labelData = Int32Array.from({ length: size }, () => rng.int(classes));
  const split = new InMemorySplit(shape, images, labelData);
  return {
    info: { name: 'random-32x32x3', shape, classes, splits: { train: size }, source: 'generated' },
    split: () => split,
  };
}

/** What one iteration of the search gave, for `--check`. */
export interface SearchTraceEntry {
  trainLoss: number;
  validationLosses: readonly number[];
  gradientNorm: number;
}

/** What the search part gave: its timings and sizes, or why it failed. */
export type SearchResultPart = PartResult & { mode: 'engine'; cells: number; channels: number; batch: number; supernetWeights?: number; variables?: number[] };

/**
 * Runs the engine's `runSearch` (the default config: ASNG with lambda = 2,
 * momentum SGD 0.9, weight decay 3e-4, global-norm clip 5, cosine learning
 * rate from 0.025), each iteration timed from one `onStep` to the next.
 */
async function engineSearch(
  space: ImageClassificationSpace,
  searchBatch: number,
  total: number,
  trace: SearchTraceEntry[],
  onTime: (step: number, seconds: number, loss: number) => void,
) {
  let last = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'asng-bench-gpu-'));
  try {
    await runSearch({
      space,
      dataset: randomDataset(2 * searchBatch * total),
      runDir: dir,
      config: { seed: 0, batchSize: searchBatch, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
      onStep: (event) => {
        const now = performance.now();
        trace.push({ trainLoss: event.trainLoss, validationLosses: event.validationLosses, gradientNorm: event.gradientNorm });
        onTime(event.step, (now - last) / 1000, event.trainLoss);
        last = now;
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Times `sizes.iterations` search iterations (supernet of `sizes.cells`
 * cells and `sizes.channels` channels, batch `sizes.searchBatch`) after at
 * least one untimed one, counting live tensors apart from variables (the
 * momentum buffers appear as sampled paths first get a gradient). Each
 * iteration's losses and gradient norm are appended to `trace`.
 */
export async function searchBenchmark(sizes: BenchSizes, trace: SearchTraceEntry[]): Promise<SearchResultPart> {
  const { iterations, warmup, cells, channels, searchBatch } = sizes;
  const space = createImageClassificationSpace({ cells, channels });
  // The first iteration also builds the supernet and compiles the shaders: at least one untimed.
  const untimed = Math.max(1, warmup);
  const total = untimed + iterations;
  const times: number[] = [];
  const numTensors: number[] = [];
  const variables: number[] = [];
  // Momentum buffers (variables) appear as sampled paths first get a gradient: counted apart, not as a leak.
  const onTime = (step: number, seconds: number, loss: number) => {
    const timed = step > untimed;
    const variableCount = Object.keys(tf.engine().registeredVariables).length;
    const live = tf.memory().numTensors - variableCount;
    if (timed) {
      times.push(seconds);
      numTensors.push(live);
      variables.push(variableCount);
    }
    log(
      `search iteration ${step}/${total}${timed ? '' : ' (warm-up)'}: ${seconds.toFixed(3)} s, ${live} tensors + ${variableCount} variables (weights and momentum buffers), train loss ${loss.toFixed(3)}`,
    );
  };
  const shapeInfo = { mode: 'engine', cells, channels, batch: searchBatch } as const;
  try {
    await engineSearch(space, searchBatch, total, trace, onTime);
  } catch (error) {
    log(`search iteration failed: ${(error as Error).stack}`);
    return { ...shapeInfo, error: (error as Error).message, unsupported: unsupportedFrom(error) };
  }
  const supernet = space.createSupernet({ inputShape: shape, classes }, new Rng(0));
  const supernetWeights = supernet.weights.reduce((s, w) => s + w.variable.size, 0);
  supernet.dispose();
  return { ...shapeInfo, supernetWeights, secondsPerStep: stats(times), times, numTensors, variables };
}
