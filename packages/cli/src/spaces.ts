import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SearchSpace } from '@asng/core';
import { UsageError } from './args.js';

/** A search space the CLI knows by name. */
export interface SpaceEntry {
  readonly name: string;
  readonly description: string;
  /** The module to import (a package name), and the factory it exports. */
  readonly module: string;
  readonly factory: string;
}

/**
 * Search spaces known by name. Each lives in its own package, imported only
 * when chosen, so the CLI works without the spaces a user did not install.
 */
export const BUILT_IN_SPACES: readonly SpaceEntry[] = [];

/** Options passed to a space factory (`--space-option key=value`). */
export type SpaceOptions = Record<string, string | number | boolean>;

/**
 * Loads a search space: a built-in name, or the path of a module whose default
 * export (or `createSpace` export) is a `SearchSpace` or a factory
 * `(options) => SearchSpace`.
 */
export async function loadSpace(spec: string, options: SpaceOptions, cwd = process.cwd()): Promise<SearchSpace> {
  const entry = BUILT_IN_SPACES.find((s) => s.name === spec);
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s|cjs)$/.test(spec);
  if (entry === undefined && !looksLikePath) {
    const known = BUILT_IN_SPACES.map((s) => s.name);
    throw new UsageError(`--space: unknown search space ${JSON.stringify(spec)}; accepted: ${[...known, '<path of a module exporting a search space>'].join(', ')}`);
  }
  const specifier = entry ? entry.module : pathToFileURL(resolve(cwd, spec)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--space: cannot load ${JSON.stringify(spec)} (${(error as Error).message})`);
  }
  const exported = entry ? module[entry.factory] : (module.default ?? module.createSpace);
  const space = typeof exported === 'function' ? (exported as (o: SpaceOptions) => unknown)(options) : exported;
  if (!isSearchSpace(space)) {
    throw new UsageError(`--space: ${JSON.stringify(spec)} exports no search space (expected a default export or 'createSpace': a SearchSpace or a function returning one)`);
  }
  return space;
}

function isSearchSpace(value: unknown): value is SearchSpace {
  const s = value as SearchSpace | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.name === 'string' &&
    Array.isArray(s.variables) &&
    typeof s.createSupernet === 'function' &&
    typeof s.toBatch === 'function'
  );
}
