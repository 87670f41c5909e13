import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The directory downloads are cached in: `$ASNG_CACHE_DIR/datasets` if set,
 * else `$XDG_CACHE_HOME/asng/datasets`, else `~/.cache/asng/datasets`
 * (`%LOCALAPPDATA%\asng\datasets` on Windows).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ASNG_CACHE_DIR) return join(env.ASNG_CACHE_DIR, 'datasets');
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'asng', 'datasets');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'asng', 'datasets');
  return join(homedir(), '.cache', 'asng', 'datasets');
}
