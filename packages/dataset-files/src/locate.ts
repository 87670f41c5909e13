import { AsyncLocalStorage } from 'node:async_hooks';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetLoadOptions } from '@asng/core';
import { defaultCacheDir } from './cache.js';
import { downloadFile } from './download.js';
import { DatasetNotFoundError, type MissingFiles } from './errors.js';

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
    const place = options.path;
    const searched = [`${place} (the path given: used alone, no other place is searched)`];
    if (!(await exists(place))) {
      throw new DatasetNotFoundError(options.dataset, searched, options.howToGet, undefined, { place, files: [] });
    }
    const lookups: string[][] = [];
    const found = await notFound.run(lookups, () => options.probe(place));
    if (found !== null) return { found, source: place, downloaded: false };
    const missing = await missingFiles(place, lookups, options.remoteFiles ?? []);
    throw new DatasetNotFoundError(options.dataset, searched, options.howToGet, undefined, missing);
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

/**
 * The lookups that found nothing during a probe run by {@link locateDataset}:
 * each is the list of paths any one of which would have done. Probes that use
 * {@link exists} and {@link firstExisting} get their missing files named in
 * the error without doing anything more.
 */
const notFound = new AsyncLocalStorage<string[][]>();

/** Whether a file or directory exists. Inside a probe of {@link locateDataset}, a path that does not is named in its error. */
export async function exists(path: string): Promise<boolean> {
  const found = await existsQuietly(path);
  if (!found) notFound.getStore()?.push([path]);
  return found;
}

/**
 * The first of `names` that exists in `dir`, as a full path, or `null`.
 * Loaders use it to accept a file gzipped or not (`['x.gz', 'x']`). Inside a
 * probe of {@link locateDataset}, a file found under none of the names is
 * named in its error (`<dir>/x[.gz]`).
 */
export async function firstExisting(dir: string, names: readonly string[]): Promise<string | null> {
  for (const name of names) {
    const path = join(dir, name);
    if (await existsQuietly(path)) return path;
  }
  if (names.length > 0) notFound.getStore()?.push(names.map((name) => join(dir, name)));
  return null;
}

async function existsQuietly(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the probe of `place` looked for and did not find. When every such file
 * is one of the remote files (gzipped or not), the probe wants those files
 * one by one but stopped at the first missing: then every remote file
 * missing from `place` is named, not only the first.
 */
async function missingFiles(place: string, lookups: readonly string[][], remote: readonly RemoteFile[]): Promise<MissingFiles | undefined> {
  const key = (paths: readonly string[]) => [...paths].sort().join('\0');
  const unique = [...new Map(lookups.map((paths) => [key(paths), paths])).values()];
  if (unique.length === 0) return undefined;
  const remoteLookups = remote.map((file) => {
    const path = join(place, file.name);
    return file.name.endsWith('.gz') ? [path, path.slice(0, -3)] : [path];
  });
  const remoteKeys = new Set(remoteLookups.map(key));
  let files = unique;
  if (unique.every((paths) => remoteKeys.has(key(paths)))) {
    files = [];
    for (const paths of remoteLookups) {
      if (!(await anyExists(paths))) files.push(paths);
    }
  }
  return { place, files: files.map(describeLookup) };
}

async function anyExists(paths: readonly string[]): Promise<boolean> {
  for (const path of paths) if (await existsQuietly(path)) return true;
  return false;
}

/** `/d/x[.gz]` for `/d/x.gz` or `/d/x`; otherwise the paths joined by `or`. */
function describeLookup(paths: readonly string[]): string {
  if (paths.length === 2) {
    const [a, b] = paths as [string, string];
    if (a === `${b}.gz`) return `${b}[.gz]`;
    if (b === `${a}.gz`) return `${a}[.gz]`;
  }
  return paths.join(' or ');
}
