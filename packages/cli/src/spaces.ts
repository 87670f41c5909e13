import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SearchSpace } from '@asng/core';
import { UsageError } from './args.js';

/** Options passed to a space factory (`--space-option key=value`). */
export type SpaceOptions = Record<string, string | number | boolean>;

/** A search space the CLI knows by name. */
export interface SpaceEntry {
  readonly name: string;
  readonly description: string;
  /** The module to import (a package name), and the factory it exports. */
  readonly module: string;
  readonly factory: string;
  /** The options the factory accepts from `--space-option`, and how each is read. */
  readonly options: Readonly<Record<string, 'string' | 'number' | 'numbers' | 'boolean'>>;
}

/**
 * Search spaces known by name. Each lives in its own package, imported only
 * when chosen.
 */
export const BUILT_IN_SPACES: readonly SpaceEntry[] = [
  {
    name: 'image-classification',
    description: "the paper's ENAS-style micro-cell space for image classification (normal and reduction cells)",
    module: '@asng/space-image-classification',
    factory: 'createImageClassificationSpace',
    options: { cells: 'number', channels: 'number', nodes: 'number', stemMultiplier: 'number', evaluationStatistics: 'string', recomputeCells: 'boolean' },
  },
  {
    name: 'inpainting',
    description: "the paper's convolutional-autoencoder space for image inpainting (categorical or mixed encoding)",
    module: '@asng/space-inpainting',
    factory: 'createInpaintingSpace',
    options: { encoding: 'string', nodes: 'number', levelBack: 'number', kernelSizes: 'numbers', channels: 'numbers', mask: 'string' },
  },
];

/** Converts `--space-option` values to what a built-in factory expects, naming any unknown or malformed option. */
function convertOptions(entry: SpaceEntry, options: SpaceOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const kind = entry.options[key];
    if (kind === undefined) {
      throw new UsageError(`--space-option ${key}: not an option of '${entry.name}'; accepted: ${Object.keys(entry.options).join(', ')}`);
    }
    if (kind === 'string') out[key] = String(value);
    else if (kind === 'boolean') {
      if (typeof value !== 'boolean') throw new UsageError(`--space-option ${key}: expected true or false, got ${JSON.stringify(value)}`);
      out[key] = value;
    }
    else if (kind === 'number') {
      if (typeof value !== 'number') throw new UsageError(`--space-option ${key}: expected a number, got ${JSON.stringify(value)}`);
      out[key] = value;
    } else {
      const list = String(value).split(',').map(Number);
      if (list.some((n) => !Number.isFinite(n))) throw new UsageError(`--space-option ${key}: expected comma-separated numbers, got ${JSON.stringify(value)}`);
      out[key] = list;
    }
  }
  return out;
}

/**
 * Loads a search space: a built-in name, or the path of a module whose default
 * export (or `createSpace` export) is a `SearchSpace` or a factory
 * `(options) => SearchSpace`.
 */
export async function loadSpace(spec: string, options: SpaceOptions, cwd = process.cwd()): Promise<SearchSpace> {
  return (await spaceFactory(spec, cwd))(options);
}

/**
 * The factory behind {@link loadSpace}: imports the module once, then makes a
 * space for any options synchronously (for example one per channel count, to
 * fit a parameter budget). Options and exports are checked as in `loadSpace`.
 */
export async function spaceFactory(spec: string, cwd = process.cwd()): Promise<(options: SpaceOptions) => SearchSpace> {
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
  return (options) => {
    let space: unknown;
    try {
      space = typeof exported === 'function' ? (exported as (o: unknown) => unknown)(entry ? convertOptions(entry, options) : options) : exported;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--space-option: ${spec} rejected its options: ${(error as Error).message}`);
    }
    if (!isSearchSpace(space)) {
      throw new UsageError(`--space: ${JSON.stringify(spec)} exports no search space (expected a default export or 'createSpace': a SearchSpace or a function returning one)`);
    }
    return space;
  };
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
