import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetLoadOptions } from '@asng/core';
import { defaultCacheDir } from './cache.js';
import { downloadFile } from './download.js';
import { DatasetNotFoundError } from './errors.js';

/** A file of a dataset's official distribution. */
export interface RemoteFile {
  /** File name, both on the mirror and in the cache. */
  readonly name: string;
  /** Published SHA-256, lowercase hex. */
  readonly sha256: string;
}

/** How {@link locateDataset} finds one dataset. */
export interface LocateOptions<T> extends DatasetLoadOptions {
  /** Dataset name; also the name of its folder in the cache. */
  readonly dataset: string;
  /**
   * Looks for the dataset at `place` (a directory, or whatever the user passed
   * as `path`) and returns what the loader needs, or `null` if it is not there.
   */
  readonly probe: (place: string) => Promise<T | null>;
  /** Places searched after the user path and the cache, for example Debian's `/usr/share/datasets/...`. */
  readonly systemPaths?: readonly string[];
  /** Files to download into the cache when nothing is found; none means the dataset cannot be downloaded. */
  readonly remoteFiles?: readonly RemoteFile[];
  /** Base URL the {@link LocateOptions.remoteFiles} are fetched from, ending with `/`. */
  readonly mirror?: string;
  /** One sentence telling a user how to get the files by hand. */
  readonly howToGet: string;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** Where {@link locateDataset} found a dataset. */
export interface Located<T> {
  /** What the probe returned. */
  readonly found: T;
  /** The place the probe succeeded on. */
  readonly source: string;
  /** Whether the files were downloaded by this call. */
  readonly downloaded: boolean;
}

/**
 * Finds a dataset. A `path` the user gives is the only place looked at: the
 * dataset is there or this fails naming it (never a silent fallback to
 * another copy). Without one: `cacheDir/<dataset>`, then the system paths;
 * otherwise (when `download` is not `false`) downloads the remote files into
 * the cache, verified by SHA-256, and probes again.
 *
 * @throws {@link DatasetNotFoundError} listing every place searched and how to get the files.
 */
export async function locateDataset<T>(options: LocateOptions<T>): Promise<Located<T>> {
  const cache = join(options.cacheDir ?? defaultCacheDir(), options.dataset);
  if (options.path !== undefined) {
    // A path the user gives is used alone: never a silent fallback to another copy.
    const found = (await exists(options.path)) ? await options.probe(options.path) : null;
    if (found !== null) return { found, source: options.path, downloaded: false };
    throw new DatasetNotFoundError(options.dataset, [`${options.path} (the path given: used alone, no other place is searched)`], options.howToGet);
  }
  const places = [cache, ...(options.systemPaths ?? [])];
  const searched: string[] = [];
  for (const place of places) {
    searched.push(place);
    if (!(await exists(place))) continue;
    const found = await options.probe(place);
    if (found !== null) return { found, source: place, downloaded: false };
  }
  const remote = options.remoteFiles ?? [];
  if (options.download === false || remote.length === 0 || options.mirror === undefined) {
    const why = options.download === false ? ' (downloading is turned off)' : '';
    throw new DatasetNotFoundError(
      options.dataset,
      searched.map((place, i) => (i === searched.length - 1 ? place + why : place)),
      options.howToGet,
    );
  }
  const mirror = options.mirror.endsWith('/') ? options.mirror : `${options.mirror}/`;
  try {
    for (const file of remote) {
      const destination = join(cache, file.name);
      if (await exists(destination)) continue;
      await downloadFile({
        url: mirror + file.name,
        destination,
        sha256: file.sha256,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }
  } catch (error) {
    throw new DatasetNotFoundError(options.dataset, [...searched, `${mirror} (download)`], options.howToGet, error);
  }
  const found = await options.probe(cache);
  if (found === null) {
    throw new DatasetNotFoundError(options.dataset, [...searched, `${mirror} (downloaded, but incomplete)`], options.howToGet);
  }
  return { found, source: cache, downloaded: true };
}

/** Whether a file or directory exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first of `names` that exists in `dir`, as a full path, or `null`.
 * Loaders use it to accept a file gzipped or not (`['x.gz', 'x']`).
 */
export async function firstExisting(dir: string, names: readonly string[]): Promise<string | null> {
  for (const name of names) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  return null;
}
