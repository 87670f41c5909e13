import { join } from 'node:path';
import { defaultCacheDir } from '@asng/dataset-files';

/**
 * The directory of the decoded-image cache that `diskCache` asks for:
 * `undefined` when off, `<cacheDir>/decoded` for `true`, else the directory given.
 *
 * @throws TypeError naming `loader` for a value that is neither a boolean nor a non-empty string.
 */
export function diskCacheDir(options: { readonly diskCache?: boolean | string; readonly cacheDir?: string }, loader: string): string | undefined {
  const { diskCache } = options;
  if (diskCache === undefined || diskCache === false) return undefined;
  if (diskCache === true) return join(options.cacheDir ?? defaultCacheDir(), 'decoded');
  if (typeof diskCache !== 'string' || diskCache === '') {
    throw new TypeError(`${loader}: diskCache must be true, false or a directory, got ${JSON.stringify(diskCache)}`);
  }
  return diskCache;
}
