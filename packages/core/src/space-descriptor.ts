import type { SearchSpace } from './search-space.js';

/*
 * A space descriptor is what a search-space package exports so that tools
 * (the CLI, benchmarks, your own scripts) can offer the space without knowing
 * it: its name, a description, the options of its factory with their types,
 * defaults, ranges and help, and the factory itself. Tools check raw option
 * values against the schema with parseSpaceOptions before calling the factory.
 */

interface OptionSpecBase<T> {
  /** One line for help texts. */
  readonly help: string;
  /** The factory's default, shown in help texts (the factory applies it, not the parser). */
  readonly default?: T;
}

/** An integer option, `--space-option cells=8`. */
export interface IntegerOptionSpec extends OptionSpecBase<number> {
  readonly kind: 'integer';
  /** Smallest value accepted. */
  readonly min?: number;
  /** Largest value accepted. */
  readonly max?: number;
}

/** A real-valued option, `--space-option rate=0.5`. */
export interface NumberOptionSpec extends OptionSpecBase<number> {
  readonly kind: 'number';
  /** Smallest value accepted. */
  readonly min?: number;
  /** Largest value accepted. */
  readonly max?: number;
}

/** A list of numbers, comma-separated on the command line: `--space-option kernelSizes=1,3,5`. */
export interface NumberListOptionSpec extends OptionSpecBase<readonly number[]> {
  readonly kind: 'number-list';
  /** Whether every element must be an integer. @default false */
  readonly integer?: boolean;
  /** Smallest element accepted. */
  readonly min?: number;
  /** Largest element accepted. */
  readonly max?: number;
}

/** A free-form string option. */
export interface StringOptionSpec extends OptionSpecBase<string> {
  readonly kind: 'string';
}

/** A string option with a fixed set of values. */
export interface EnumOptionSpec<V extends string = string> extends OptionSpecBase<V> {
  readonly kind: 'enum';
  /** The values accepted. */
  readonly values: readonly V[];
}

/** A yes/no option: `true` or `false`. */
export interface BooleanOptionSpec extends OptionSpecBase<boolean> {
  readonly kind: 'boolean';
}

/** The type, default, range and help of one option of a space's factory. */
export type SpaceOptionSpec = IntegerOptionSpec | NumberOptionSpec | NumberListOptionSpec | StringOptionSpec | EnumOptionSpec | BooleanOptionSpec;

/** The options of a space's factory, by name. */
export type SpaceOptionSchema = Readonly<Record<string, SpaceOptionSpec>>;

/** A checked option value, as {@link parseSpaceOptions} returns it. */
export type SpaceOptionValue = number | string | boolean | readonly number[];

/** The value type of an option of kind `O`. */
export type SpaceOptionValueOf<O extends SpaceOptionSpec> = O extends { readonly kind: 'integer' | 'number' }
  ? number
  : O extends { readonly kind: 'number-list' }
    ? readonly number[]
    : O extends { readonly kind: 'boolean' }
      ? boolean
      : O extends { readonly kind: 'enum'; readonly values: readonly (infer V)[] }
        ? V
        : string;

/** The options object a factory with schema `S` receives: each option optional, typed by its kind. */
export type SpaceOptionsOf<S extends SpaceOptionSchema> = { readonly [K in keyof S]?: SpaceOptionValueOf<S[K]> };

/**
 * What a search-space package exports so that tools can offer it without
 * knowing it. The CLI lists the built-in spaces by module name, imports the
 * chosen one, and reads its `spaceDescriptor` export; a user's module
 * (`asng search --space ./my-space.js`) is read the same way from its default
 * export or its `spaceDescriptor` export. Create one with
 * {@link defineSpaceDescriptor} so that `create` receives typed options.
 *
 * A descriptor may also have optional abilities, like a space:
 * {@link WidthOption} (parameter budgets).
 */
export interface SpaceDescriptor<S extends SpaceOptionSchema = SpaceOptionSchema, T extends SearchSpace = SearchSpace> {
  /** Identifier, as given to `--space`, for example `'inpainting'`. */
  readonly name: string;
  /** One line for listings and help texts. */
  readonly description: string;
  /** The options `create` accepts. */
  readonly options: S;
  /**
   * The factory: a space for the given options, each already checked against
   * {@link SpaceDescriptor.options} by {@link parseSpaceOptions}; an option not
   * given takes the factory's default. It may still throw on combinations the
   * schema cannot express (for example more nodes than a level-back allows).
   */
  create(options: SpaceOptionsOf<S>): T;
}

/**
 * Optional ability of a descriptor: which option is the width of the
 * space's networks, so that a parameter budget can choose it.
 *
 * Who reads it, and when: the CLI's `asng retrain --param-budget N`, before
 * retraining: it creates the space at a dozen widths (multiples of `step`,
 * from `min`) with the engine's `largestWidthWithin`, counts each model's
 * trainable parameters and keeps the largest width within the budget. Check
 * with {@link hasWidthOption}. Without this ability `--param-budget` is
 * refused for the space.
 */
export interface WidthOption {
  readonly width: {
    /** The name of an integer option of the schema, for example `'channels'`. */
    readonly option: string;
    /** Widths tried are multiples of this. @default 1 */
    readonly step?: number;
    /** The smallest width tried, a multiple of `step`. @default step */
    readonly min?: number;
  };
}

/** Whether `descriptor` has the {@link WidthOption} ability. */
export function hasWidthOption<D extends SpaceDescriptor>(descriptor: D): descriptor is D & WidthOption {
  const width = (descriptor as Partial<WidthOption>).width;
  return typeof width === 'object' && width !== null && typeof width.option === 'string';
}

/**
 * Types a descriptor: `create` receives options typed from the schema
 * (`{kind: 'enum', values: ['a', 'b']}` gives `'a' | 'b'`), with no `as const`.
 */
export function defineSpaceDescriptor<const S extends SpaceOptionSchema, T extends SearchSpace>(
  descriptor: SpaceDescriptor<S, T> & { readonly width: WidthOption['width'] & { readonly option: keyof S & string } },
): SpaceDescriptor<S, T> & WidthOption;
export function defineSpaceDescriptor<const S extends SpaceOptionSchema, T extends SearchSpace>(descriptor: SpaceDescriptor<S, T>): SpaceDescriptor<S, T>;
export function defineSpaceDescriptor(descriptor: SpaceDescriptor): SpaceDescriptor {
  return descriptor;
}

/** Whether `value` is a {@link SpaceDescriptor}: a module's export may be one, a space or a factory. */
export function isSpaceDescriptor(value: unknown): value is SpaceDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<Record<keyof SpaceDescriptor, unknown>>;
  return typeof d.name === 'string' && typeof d.create === 'function' && typeof d.options === 'object' && d.options !== null;
}

/** An option value that does not fit the schema; the message names the option, what was given and what was expected. */
export class SpaceOptionError extends Error {
  override name = 'SpaceOptionError';
  constructor(
    /** The option's name (`''` when the input as a whole is wrong). */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** What an option accepts, in words: `'an integer >= 1'`, `'one of batch, moving'`. */
export function describeSpaceOption(spec: SpaceOptionSpec): string {
  const range = (s: { min?: number; max?: number }) =>
    s.min !== undefined && s.max !== undefined ? ` in [${s.min}, ${s.max}]` : s.min !== undefined ? ` >= ${s.min}` : s.max !== undefined ? ` <= ${s.max}` : '';
  switch (spec.kind) {
    case 'integer':
      return `an integer${range(spec)}`;
    case 'number':
      return `a number${range(spec)}`;
    case 'number-list':
      return `comma-separated ${spec.integer === true ? 'integers' : 'numbers'}${range(spec)}`;
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
  }
}

/** A decimal number as people write it: no hex, binary, octal, `Infinity` or blanks. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

function parseOne(name: string, spec: SpaceOptionSpec, value: unknown): SpaceOptionValue {
  const bad = () => new SpaceOptionError(name, `${name}: expected ${describeSpaceOption(spec)}, got ${JSON.stringify(value)}`);
  const inRange = (n: number, s: { min?: number; max?: number }) => (s.min === undefined || n >= s.min) && (s.max === undefined || n <= s.max);
  switch (spec.kind) {
    case 'integer': {
      const n = toNumber(value);
      if (n === undefined || !Number.isSafeInteger(n) || !inRange(n, spec)) throw bad();
      return n;
    }
    case 'number': {
      const n = toNumber(value);
      if (n === undefined || !Number.isFinite(n) || !inRange(n, spec)) throw bad();
      return n;
    }
    case 'number-list': {
      const items: unknown[] = Array.isArray(value) ? value : typeof value === 'number' ? [value] : typeof value === 'string' ? value.split(',') : [];
      const list = items.map(toNumber);
      const ok = (n: number | undefined): n is number =>
        n !== undefined && Number.isFinite(n) && (spec.integer !== true || Number.isSafeInteger(n)) && inRange(n, spec);
      if (list.length === 0 || !list.every(ok)) throw bad();
      return list.filter(ok);
    }
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw bad();
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) throw bad();
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      // `--space-option name=7` may have been read as a number before the schema was known.
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad();
  }
}

/**
 * Checks raw option values against a schema and converts them: strings as
 * given on a command line (`'8'`, `'1,3,5'`, `'true'`), or JS values (from a
 * JSON file, or numbers and booleans already converted). Options not given
 * are left out, so that the factory applies its defaults. Throws a
 * {@link SpaceOptionError} naming the first unknown or malformed option,
 * what was given and what was expected; `space`, the space's name, is named
 * in the error of an unknown option.
 */
export function parseSpaceOptions<S extends SpaceOptionSchema>(schema: S, raw: Readonly<Record<string, unknown>>, space?: string): SpaceOptionsOf<S>;
export function parseSpaceOptions(schema: SpaceOptionSchema, raw: Readonly<Record<string, unknown>>, space?: string): Record<string, SpaceOptionValue> {
  const out: Record<string, SpaceOptionValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(schema);
      throw new SpaceOptionError(
        name,
        `${name}: not an option of ${space !== undefined ? `'${space}'` : 'this space'}; accepted: ${known.length > 0 ? known.join(', ') : 'none'}`,
      );
    }
    if (value === undefined) continue;
    out[name] = parseOne(name, spec, value);
  }
  return out;
}
