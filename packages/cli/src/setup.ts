import { resolve } from 'node:path';
import { scoresOutputs, taskFor, type Dataset, type DatasetLoader, type SearchSpace, type TaskSpec } from '@asng/core';
import { datasetLoaders } from '@asng/data-cli';
import type { BatchMetrics } from '@asng/engine';
import { UsageError } from './args.js';
import type { CliIo } from './cli-io.js';

/*
 * The set-up the commands share: the working directory, the backend chosen
 * from --backend and --threads, the dataset opened from its name and path,
 * and what the engine is told about the space (task, metrics).
 */

/** The directory relative paths are read from. */
export const workingDirectory = (io: CliIo): string => io.cwd ?? process.cwd();

/** Selects the backend of `--backend` and `--threads` and says which (unless `--quiet`); returns its name. */
export async function selectBackend(io: CliIo, values: Readonly<Record<string, unknown>>): Promise<string> {
  const select =
    io.selectBackend ??
    (async (backend: string, threads: number | 'auto') => {
      const { selectBackend: pick } = await import('@asng/backend-select');
      const chosen = await pick({ backend: backend as never, wasmThreads: threads });
      return { backend: chosen.backend, reason: chosen.reason, ...(chosen.advice ? { advice: chosen.advice } : {}) };
    });
  const chosen: { backend: string; reason: string; advice?: string } = await select(
    (values.backend as string | undefined) ?? 'auto',
    (values.threads as number | undefined) ?? 'auto',
  );
  if (values.quiet !== true) io.stderr(`backend: ${chosen.backend} (${chosen.reason})\n`);
  // The cpu fallback is slow enough to matter even with --quiet.
  if (chosen.advice) io.stderr(`backend: ${chosen.advice}\n`);
  return chosen.backend;
}

/** The loaders whose images are decoded from image files, so that `--data-cache` applies. */
const IMAGE_FILE_DATASETS = ['celeba', 'image-folder'];

/** What {@link openDataset} opens. */
export interface DatasetChoice {
  /** A loader's name (`--dataset`). */
  readonly dataset: string;
  /** Its files (`--data-path`), relative to the working directory. */
  readonly dataPath?: string;
  /** Keep decoded images in the disk cache (`--data-cache`). */
  readonly dataCache?: boolean;
}

/** Opens a dataset by its loader's name, with progress on stderr. */
export async function openDataset(choice: DatasetChoice, io: CliIo): Promise<Dataset> {
  const { dataset: name, dataPath, dataCache = false } = choice;
  const loader: DatasetLoader | undefined = datasetLoaders.find((l) => l.name === name);
  if (loader === undefined)
    throw new UsageError(`--dataset: unknown dataset ${JSON.stringify(name)}; accepted: ${datasetLoaders.map((l) => l.name).join(', ')}`);
  if (dataCache && !IMAGE_FILE_DATASETS.includes(name)) {
    throw new UsageError(`--data-cache: dataset '${name}' is not decoded from image files; the cache applies to ${IMAGE_FILE_DATASETS.join(' and ')}`);
  }
  return loader.load({
    ...(dataPath !== undefined ? { path: resolve(workingDirectory(io), dataPath) } : {}),
    ...(dataCache ? { diskCache: true } : {}),
    onProgress: (e) => io.stderr(`${e.task}: ${e.done}${e.total ? `/${e.total}` : ''}\n`),
  });
}

/** Runs `use` on the opened dataset and closes it afterwards, whatever happens. */
export async function withDataset<T>(choice: DatasetChoice, io: CliIo, use: (dataset: Dataset) => Promise<T>): Promise<T> {
  const dataset = await openDataset(choice, io);
  try {
    return await use(dataset);
  } finally {
    await dataset.close?.();
  }
}

/** The names of the datasets `--dataset` accepts. */
export const datasetNames = (): string[] => datasetLoaders.map((l) => l.name);

/** The task of a space on a dataset, as the engine forms it. */
export const taskOf = (space: SearchSpace, dataset: Dataset): TaskSpec => taskFor(space, dataset.info);

/**
 * The space's own metrics (its `OutputScorer` ability of `@asng/core`, for
 * example MSE, PSNR and SSIM of the inpainting space) as the engine's batch
 * metrics; `undefined` when it has none, so that the engine's defaults apply.
 */
export function spaceMetrics(space: SearchSpace): BatchMetrics | undefined {
  if (!scoresOutputs(space)) return undefined;
  return async (outputs, targets) => {
    const [o, t] = await Promise.all([outputs.data(), targets.data()]);
    return space.scoreOutputs(o, t, outputs.shape);
  };
}
