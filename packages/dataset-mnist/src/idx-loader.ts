import type { Dataset, DatasetLoader, DatasetLoadOptions } from '@asng/core';
import { firstExisting, locateDataset } from '@asng/dataset-files';
import { readIdxExamples } from './idx.js';
import { idxDataset, MNIST_FILE_NAMES, type IdxFileNames } from './idx-bytes.js';

export { MNIST_FILE_NAMES, type IdxFileNames } from './idx-bytes.js';

/** Describes a dataset in the IDX format, for {@link createIdxLoader}. */
export interface IdxDatasetSpec {
  /** Loader and dataset name, for example `'fashion-mnist'`. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** Class names, indexed by label; their count is the number of classes. */
  readonly classNames: readonly string[];
  /** File names without `.gz`; each may be found gzipped or not. @default {@link MNIST_FILE_NAMES} */
  readonly files?: IdxFileNames;
  /** Default mirror (base URL) of the gzipped files. */
  readonly mirror?: string;
  /** Published SHA-256 of each gzipped file, by file name (`train-images-idx3-ubyte.gz`). */
  readonly sha256?: Readonly<Record<string, string>>;
  /** Directories searched after the user path and the cache. */
  readonly systemPaths?: readonly string[];
  /** How to get the files by hand, shown when they cannot be found. */
  readonly howToGet: string;
}

/** Options of IDX loaders: where to look, and which mirror to download from. */
export interface IdxLoadOptions extends DatasetLoadOptions {
  /** The fetch implementation used for downloads. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** Directories searched after the user path and the cache. @default the dataset's system paths (Debian's, for Fashion-MNIST) */
  readonly systemPaths?: readonly string[];
}

type IdxPaths = { readonly [K in keyof IdxFileNames]: string };

/** Finds the four files of an IDX dataset in `dir`, each gzipped or not; `null` if any is missing. */
export async function findIdxFiles(dir: string, names: IdxFileNames = MNIST_FILE_NAMES): Promise<IdxPaths | null> {
  const found: Partial<Record<keyof IdxFileNames, string>> = {};
  for (const key of Object.keys(names) as (keyof IdxFileNames)[]) {
    const path = await firstExisting(dir, [`${names[key]}.gz`, names[key]]);
    if (path === null) return null;
    found[key] = path;
  }
  return found as IdxPaths;
}

/**
 * Opens an IDX dataset from the four files, checking every one.
 *
 * @param source - recorded as {@link DatasetInfo.source}.
 */
export async function openIdxDataset(paths: IdxPaths, spec: Pick<IdxDatasetSpec, 'name' | 'classNames'>, source: string): Promise<Dataset> {
  const classes = spec.classNames.length;
  const [train, test] = await Promise.all([
    readIdxExamples(paths.trainImages, paths.trainLabels, classes),
    readIdxExamples(paths.testImages, paths.testLabels, classes),
  ]);
  return idxDataset(train, test, spec, source);
}

/**
 * Creates a loader for a dataset in the IDX format: it looks in the user's
 * path, the cache and the system paths, then downloads the gzipped files from
 * the mirror into the cache, verified by SHA-256.
 */
export function createIdxLoader(spec: IdxDatasetSpec): DatasetLoader<IdxLoadOptions> {
  const names = spec.files ?? MNIST_FILE_NAMES;
  return {
    name: spec.name,
    description: spec.description,
    async load(options: IdxLoadOptions = {}): Promise<Dataset> {
      const mirror = options.mirror ?? spec.mirror;
      const located = await locateDataset({
        ...options,
        dataset: spec.name,
        probe: (dir) => findIdxFiles(dir, names),
        systemPaths: options.systemPaths ?? spec.systemPaths ?? [],
        ...(mirror === undefined ? {} : { mirror }),
        remoteFiles: remoteFiles(spec, names),
        howToGet: spec.howToGet,
      });
      return openIdxDataset(located.found, spec, located.source);
    },
  };
}

function remoteFiles(spec: IdxDatasetSpec, names: IdxFileNames) {
  const sums = spec.sha256;
  if (sums === undefined) return [];
  return Object.values(names).map((name) => {
    const sha256 = sums[`${name}.gz`];
    if (sha256 === undefined) throw new RangeError(`${spec.name}: no SHA-256 for ${name}.gz`);
    return { name: `${name}.gz`, sha256 };
  });
}
