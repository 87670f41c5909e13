import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  SpaceOptionError,
  describeSpaceOption,
  hasWidthOption,
  isSpaceDescriptor,
  parseSpaceOptions,
  type SearchSpace,
  type SpaceDescriptor,
  type WidthOption,
} from '@asng/core';
import { UsageError, type OptionSpec } from './args.js';

/** Options passed to a space factory (`--space-option key=value`), as the run record keeps them. */
export type SpaceOptions = Record<string, string | number | boolean | readonly number[]>;

/** A search space the CLI knows by name: the module that exports its `spaceDescriptor`. */
export interface BuiltInSpace {
  /** The name given to `--space`. */
  readonly name: string;
  /** The package to import. */
  readonly module: string;
}

/**
 * Search spaces known by name. Each lives in its own package, imported only
 * when chosen, and describes itself (options, help, factory) with the
 * `spaceDescriptor` it exports: the CLI knows no more of it than this line.
 */
export const BUILT_IN_SPACES: readonly BuiltInSpace[] = [
  { name: 'image-classification', module: '@asng/space-image-classification' },
  { name: 'inpainting', module: '@asng/space-inpainting' },
];

/** A space module as the CLI loaded it: a built-in, or a user's module. */
export interface LoadedSpace {
  /** As given to `--space`: a built-in name or a path. */
  readonly spec: string;
  /** The module's descriptor; `undefined` for a module that exports only a space or a factory. */
  readonly descriptor: SpaceDescriptor | undefined;
  /** The width option of the descriptor, if it has one. */
  readonly width: WidthOption['width'] | undefined;
  /**
   * The space for `options`: checked against the descriptor's schema when
   * there is one (else passed to the module's factory as they are). Throws a
   * usage error naming the option, or the module when it rejects them.
   */
  create(options: Readonly<SpaceOptions>): SearchSpace;
}

/** Whether `--space` names a module file rather than a built-in space. */
export const looksLikePath = (spec: string) => spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s|cjs)$/.test(spec);

/**
 * Imports a space module: a built-in name (its package's `spaceDescriptor`),
 * or the path of a module that exports a descriptor (as `spaceDescriptor` or
 * its default export), or, without one, a `SearchSpace` or a factory
 * `(options) => SearchSpace` as its default export or `createSpace`.
 */
export async function loadSpaceModule(spec: string, cwd = process.cwd()): Promise<LoadedSpace> {
  const entry = BUILT_IN_SPACES.find((s) => s.name === spec);
  if (entry === undefined && !looksLikePath(spec)) {
    const known = BUILT_IN_SPACES.map((s) => s.name);
    throw new UsageError(
      `--space: unknown search space ${JSON.stringify(spec)}; accepted: ${[...known, '<path of a module exporting a search space>'].join(', ')}`,
    );
  }
  const specifier = entry ? entry.module : pathToFileURL(resolve(cwd, spec)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--space: cannot load ${JSON.stringify(spec)} (${(error as Error).message})${typeScriptHint(spec, error)}`);
  }
  const descriptor = [module.spaceDescriptor, module.default].find(isSpaceDescriptor);
  if (entry !== undefined && descriptor === undefined) throw new Error(`${entry.module}: exports no spaceDescriptor`);
  const exported = descriptor === undefined ? (module.default ?? module.createSpace) : undefined;
  const name = descriptor?.name ?? spec;
  const make = (options: Readonly<SpaceOptions>): unknown => {
    if (descriptor !== undefined) return descriptor.create(checkOptions(descriptor, options));
    return typeof exported === 'function' ? (exported as (o: unknown) => unknown)(options) : exported;
  };
  return {
    spec,
    descriptor,
    width: descriptor !== undefined && hasWidthOption(descriptor) ? descriptor.width : undefined,
    create(options) {
      let space: unknown;
      try {
        space = make(options);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`--space-option: ${name} rejected its options: ${(error as Error).message}`);
      }
      if (!isSearchSpace(space)) {
        throw new UsageError(
          `--space: ${JSON.stringify(spec)} exports no search space (expected a spaceDescriptor, or a default export or 'createSpace': a SearchSpace or a function returning one)`,
        );
      }
      return space;
    },
  };
}

/**
 * Node (20, and 22 without type stripping) refuses to import a `.ts` file with
 * "Unknown file extension", which does not tell a user what to do.
 */
export function typeScriptHint(spec: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[mc]?ts$/.test(spec)) return '';
  return (
    '. Node cannot import TypeScript here: compile the module to JavaScript (for example with tsc) and pass the .js file, ' +
    `or run the CLI under tsx: npm install --save-dev tsx, then NODE_OPTIONS="--import tsx" npx @asng/cli ... --space ${spec}`
  );
}

function checkOptions(descriptor: SpaceDescriptor, options: Readonly<SpaceOptions>) {
  try {
    return parseSpaceOptions(descriptor.options, options, descriptor.name);
  } catch (error) {
    if (error instanceof SpaceOptionError) throw new UsageError(`--space-option ${error.message}`);
    throw error;
  }
}

/**
 * The `--space` option of the commands that read the space from a run or
 * model file (`resume`, `retrain`, `evaluate`, `export`, `report`).
 */
export const RECORDED_SPACE_OPTION: OptionSpec = {
  name: 'space',
  type: 'string',
  placeholder: 'PATH',
  description: "the module of the run's search space when it is not a built-in one (a run or model file may name a built-in space, never code to load)",
};

/**
 * The space named in a run or model file: a built-in space by its name, or
 * the module the user gives with `--space` (`given`). A module path written
 * in the file is never imported on the file's word: run and model
 * directories are data that users share, and importing a module runs its
 * code. Throws a usage error naming the file and the flag to pass.
 */
export async function loadRecordedSpace(recorded: string, file: string, given: string | undefined, cwd = process.cwd()): Promise<LoadedSpace> {
  if (given !== undefined) return loadSpaceModule(given, cwd);
  if (BUILT_IN_SPACES.some((s) => s.name === recorded)) return loadSpaceModule(recorded, cwd);
  throw new UsageError(
    `${file}: names the search space ${JSON.stringify(recorded)}, which is not a built-in space (${BUILT_IN_SPACES.map((s) => s.name).join(', ')}); ` +
      `a run or model file never decides which code runs: if you trust that module, pass it yourself with --space ${JSON.stringify(recorded)}`,
  );
}

/** Loads a search space (see {@link loadSpaceModule}) and creates it for `options`. */
export async function loadSpace(spec: string, options: Readonly<SpaceOptions>, cwd = process.cwd()): Promise<SearchSpace> {
  return (await loadSpaceModule(spec, cwd)).create(options);
}

/** The help text of a space: its description and the options of its schema, generated from its descriptor. */
export function spaceHelp(loaded: LoadedSpace): string {
  const { descriptor } = loaded;
  if (descriptor === undefined) return `Space ${loaded.spec}: exports no spaceDescriptor; --space-option values are passed to its factory unchecked.\n`;
  const rows = Object.entries(descriptor.options).map(([key, spec]) => {
    const placeholder =
      spec.kind === 'enum'
        ? spec.values.join('|')
        : spec.kind === 'boolean'
          ? 'true|false'
          : spec.kind === 'number-list'
            ? 'N,N,...'
            : spec.kind === 'string'
              ? 'TEXT'
              : spec.kind === 'integer'
                ? 'N'
                : 'X';
    const shown = spec.default === undefined ? '' : `; default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}`;
    const width = loaded.width?.option === key ? '; the width of --param-budget' : '';
    return [`${key}=${placeholder}`, `${spec.help} (${describeSpaceOption(spec)}${shown}${width})`] as const;
  });
  const column = Math.max(0, ...rows.map(([l]) => l.length));
  const options = rows.length > 0 ? rows.map(([l, d]) => `  ${l.padEnd(column)}  ${d}`).join('\n') : '  (none)';
  return `Space ${descriptor.name}: ${descriptor.description}\nOptions (--space-option KEY=VALUE):\n${options}\n`;
}

function isSearchSpace(value: unknown): value is SearchSpace {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Record<keyof SearchSpace, unknown>>;
  return typeof s.name === 'string' && Array.isArray(s.variables) && typeof s.createSupernet === 'function' && typeof s.toBatch === 'function';
}
