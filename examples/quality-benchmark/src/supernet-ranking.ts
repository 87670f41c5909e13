/**
 * How well does a search's supernet rank architectures? Evaluates, with the
 * supernet weights of a finished classification search, every architecture
 * whose retrained test accuracy a quality benchmark recorded, and gives the
 * rank correlations (Kendall's tau, Spearman's rho) between the supernet's
 * accuracy and the retrained one. A search can only find better
 * architectures if this correlation is clearly positive.
 *
 *   npm run -s ranking -w @asng/example-quality-benchmark -- --run DIR --results FILE[,FILE...] [--examples N] [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, Rng, type Architecture, type Dataset, type SearchSpace, type Supernet } from '@asng/core';
import { DataLoader } from '@asng/data';
import { evaluateModel, readCheckpoint } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import type { ClassificationSettings } from './classification.js';

/** One architecture: its retrained test accuracy and its accuracy in the supernet. */
export interface RankedArchitecture {
  readonly label: string;
  readonly retrained: number;
  readonly supernet: number;
  readonly architecture: Architecture;
}

/** Kendall's tau-b of two equally long lists (ties in either list count as neither concordant nor discordant). */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`kendallTau: lists of ${a.length} and ${b.length} values`);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const x = Math.sign(a[i]! - a[j]!);
      const y = Math.sign(b[i]! - b[j]!);
      if (x === 0 && y === 0) continue;
      if (x === 0) tiesA++;
      else if (y === 0) tiesB++;
      else if (x === y) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/** Ranks from 1, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rho: the Pearson correlation of the ranks. */
export function spearmanRho(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearmanRho: lists of ${a.length} and ${b.length} values`);
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? Number.NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * The architectures of quality.json files, each once (the first label wins),
 * with their retrained accuracies: the found and random networks, and the
 * finalists that `--retrain-finalists` retrained and tested (their `test`).
 */
export function recordedArchitectures(files: readonly string[]): { label: string; retrained: number; architecture: Architecture }[] {
  const seen = new Map<string, { label: string; retrained: number; architecture: Architecture }>();
  const add = (label: string, retrained: number, architecture: object) => {
    const key = JSON.stringify(architecture);
    if (!seen.has(key)) seen.set(key, { label, retrained, architecture: architecture as Architecture });
  };
  for (const file of files) {
    let parsed: { task?: unknown; found?: unknown; random?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    } catch (error) {
      throw new Error(`${file}: not a quality benchmark result (${(error as Error).message})`);
    }
    if (parsed.task !== 'classification') throw new Error(`${file}: field "task": expected "classification", got ${JSON.stringify(parsed.task)}`);
    const base = file.split('/').at(-1);
    for (const [kind, list] of [
      ['found', parsed.found],
      ['random', parsed.random],
    ] as const) {
      if (!Array.isArray(list)) throw new Error(`${file}: field "${kind}": expected a list`);
      list.forEach((entry: { metric?: unknown; architecture?: unknown; seed?: unknown; index?: unknown; finalists?: unknown }, i) => {
        if (typeof entry.metric !== 'number' || typeof entry.architecture !== 'object' || entry.architecture === null) {
          throw new Error(`${file}: field "${kind}[${i}]": expected {metric: number, architecture: object}`);
        }
        add(`${base} ${kind}${kind === 'random' ? ` ${Number(entry.index ?? i) + 1}` : ''}`, entry.metric, entry.architecture);
        if (kind !== 'found' || entry.finalists === undefined) return;
        if (!Array.isArray(entry.finalists)) throw new Error(`${file}: field "found[${i}].finalists": expected a list`);
        entry.finalists.forEach((f: { test?: unknown; architecture?: unknown }, j) => {
          if (f.test === undefined) return;
          if (typeof f.test !== 'number' || typeof f.architecture !== 'object' || f.architecture === null) {
            throw new Error(`${file}: field "found[${i}].finalists[${j}]": expected {test: number, architecture: object}`);
          }
          add(`${base} finalist ${j + 1}`, f.test, f.architecture);
        });
      });
    }
  }
  return [...seen.values()];
}

/** Loads the final weights of the search in `searchDir` (its checkpoint.bin) into `supernet`, by name. */
export function loadSupernetWeights(supernet: Supernet, searchDir: string): number {
  const path = join(searchDir, 'checkpoint.bin');
  const saved = readCheckpoint<{ step?: number }>(path);
  const arrays = new Map(saved.arrays.map((a) => [a.name, a]));
  for (const w of supernet.weights) {
    const a = arrays.get(`weight/${w.name}`);
    if (a === undefined || a.shape.join() !== w.variable.shape.join()) throw new Error(`${path}: weight '${w.name}' missing or of another shape`);
    tf.tidy(() => w.variable.assign(tf.tensor(a.data, a.shape as number[], 'float32')));
  }
  return saved.header.step ?? Number.NaN;
}

/** Settings of the fine-tuning of each architecture in {@link rankInSupernet}. */
export interface FineTuneOptions {
  /** SGD steps on the architecture alone. */
  readonly steps: number;
  /** Training images per step. @default 64 */
  readonly batchSize?: number;
  /** Learning rate of plain SGD. @default 0.025 */
  readonly learningRate?: number;
  /** Seed of the batches' order: the same batches for every architecture. @default 0 */
  readonly seed?: number;
}

/**
 * Trains the weights `architecture` uses, from the supernet's values, for
 * `steps` steps of plain SGD on the training split (the same batches for
 * every architecture), batch norm in training mode as in the search.
 */
export async function fineTuneInSupernet(
  space: SearchSpace,
  supernet: Supernet,
  architecture: Architecture,
  dataset: Dataset,
  options: FineTuneOptions,
): Promise<void> {
  const batchSize = options.batchSize ?? 64;
  const learningRate = options.learningRate ?? 0.025;
  const task = { inputShape: dataset.info.shape, classes: dataset.info.classes };
  const loader = new DataLoader(dataset.split('train'), dataset.info.shape, {
    batchSize,
    rng: new Rng(options.seed ?? 0),
    shuffle: true,
    dropRemainder: true,
    labels: 'int',
    prefetch: 1,
  });
  const trainable = supernet.weights.filter((w) => w.trainable).map((w) => w.variable);
  const rng = new Rng(1);
  for (let step = 0; step < options.steps; step++) {
    const raw = await loader.next();
    const batch = space.toBatch(raw.images, raw.labels as tf.Tensor1D | null, task, rng);
    raw.dispose();
    try {
      const { value, grads } = tf.variableGrads(() => supernet.loss(architecture, batch, { training: true }), trainable);
      tf.tidy(() => {
        for (const v of trainable) {
          const g = grads[v.name];
          if (g !== undefined) v.assign(tf.sub(v, tf.mul(g, learningRate)));
        }
      });
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      tf.dispose(batchTensors(batch));
    }
  }
}

/**
 * The supernet's test accuracy of each recorded architecture, with the
 * weights of the search of `settings` saved in `searchDir`, on the first
 * `examples` test images (batch norm with the statistics of each batch of
 * `batchSize`, as the search evaluates).
 */
export async function rankInSupernet(options: {
  readonly settings: ClassificationSettings;
  readonly searchDir: string;
  readonly dataset: Dataset;
  readonly recorded: readonly { label: string; retrained: number; architecture: Architecture }[];
  readonly examples: number;
  readonly batchSize?: number;
  /** Fine-tune each architecture alone from the supernet's weights before evaluating it (the weights are restored after each). */
  readonly fineTune?: FineTuneOptions;
}): Promise<{ step: number; rows: RankedArchitecture[]; kendall: number; spearman: number }> {
  const { cells, channels, parameterBudget } = options.settings.search;
  const space = createImageClassificationSpace({ cells, channels, ...(parameterBudget !== undefined ? { parameterBudget } : {}) });
  const task = { inputShape: options.dataset.info.shape, classes: options.dataset.info.classes };
  const supernet = space.createSupernet(task, new Rng(0));
  try {
    const step = loadSupernetWeights(supernet, options.searchDir);
    const rows: RankedArchitecture[] = [];
    for (const r of options.recorded) {
      const saved = options.fineTune === undefined ? undefined : supernet.weights.map((w) => tf.clone(w.variable));
      if (options.fineTune !== undefined) await fineTuneInSupernet(space, supernet, r.architecture, options.dataset, options.fineTune);
      const model = {
        predict: (inputs: tf.Tensor4D) => tf.tidy(() => supernet.apply(r.architecture, inputs, { training: true })),
      };
      const evaluation = await evaluateModel({ space, dataset: options.dataset, model, maxExamples: options.examples, batchSize: options.batchSize ?? 250 });
      rows.push({ ...r, supernet: evaluation.metrics.accuracy! });
      if (saved !== undefined) {
        supernet.weights.forEach((w, i) => w.variable.assign(saved[i]!));
        tf.dispose(saved);
      }
    }
    const [x, y] = [rows.map((r) => r.supernet), rows.map((r) => r.retrained)];
    return { step, rows, kendall: kendallTau(x, y), spearman: spearmanRho(x, y) };
  } finally {
    supernet.dispose();
  }
}
