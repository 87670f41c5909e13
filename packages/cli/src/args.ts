/** A usage error: the CLI prints it with the command's usage and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One option a command accepts. */
export interface OptionSpec {
  /** Long name without dashes, for example `'batch-size'`. */
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'list';
  /** Accepted values of a string option. */
  readonly values?: readonly string[];
  /** Smallest value of a numeric option. */
  readonly min?: number;
  /** A numeric option must be greater than this (for example `0` for a learning rate). */
  readonly greaterThan?: number;
  /** Largest value of a numeric option: a sane bound, with its own message. */
  readonly max?: number;
  /** Shown in the usage text. */
  readonly description: string;
  /** Placeholder in the usage text, for example `'N'`. */
  readonly placeholder?: string;
}

/** Parsed arguments: positionals and option values by name. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | number | boolean | string[]>;
}

/** Parses `argv` against `specs`, throwing a {@link UsageError} that names the argument and what it accepts. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s] as const));
  const positionals: string[] = [];
  const values: ParsedArgs['values'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new UsageError(`unknown option --${name} for '${command}'; accepted: ${specs.map((s) => `--${s.name}`).join(', ')}`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name}: expected ${describeExpected(spec)}, got nothing`);
    values[name] = convert(spec, raw, values[name]);
  }
  return { positionals, values };
}

function describeExpected(spec: OptionSpec): string {
  const bounds = [...(spec.greaterThan !== undefined ? [`> ${spec.greaterThan}`] : []), ...(spec.min !== undefined ? [`>= ${spec.min}`] : [])];
  const range = bounds.length > 0 ? ` ${bounds.join(' and ')}` : '';
  switch (spec.type) {
    case 'integer':
      return `an integer${range}`;
    case 'number':
      return `a number${range}`;
    case 'list':
      return 'a value';
    default:
      return spec.values ? `one of ${spec.values.join(', ')}` : 'a value';
  }
}

/** A decimal number as people write it (`12`, `0.025`, `4e6`): no hex, binary or octal, `Infinity` or blanks. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `raw` as a number when it is written as a decimal number, else `undefined`. */
export function parseDecimal(raw: string): number | undefined {
  return DECIMAL.test(raw) ? Number(raw) : undefined;
}

function convert(spec: OptionSpec, raw: string, previous: ParsedArgs['values'][string] | undefined): string | number | string[] {
  const bad = () => new UsageError(`--${spec.name}: expected ${describeExpected(spec)}, got ${JSON.stringify(raw)}`);
  const inRange = (n: number) => {
    if (spec.max !== undefined && n > spec.max) throw new UsageError(`--${spec.name}: expected at most ${spec.max}, got ${JSON.stringify(raw)}`);
    return (spec.min === undefined || n >= spec.min) && (spec.greaterThan === undefined || n > spec.greaterThan);
  };
  switch (spec.type) {
    case 'integer': {
      const n = parseDecimal(raw);
      if (n === undefined || !Number.isSafeInteger(n) || !inRange(n)) throw bad();
      // `-0` is 0: written back (as JSON, in a record or a sweep's arguments) it is 0 anyway.
      return n === 0 ? 0 : n;
    }
    case 'number': {
      const n = parseDecimal(raw);
      if (n === undefined || !Number.isFinite(n) || !inRange(n)) throw bad();
      return n === 0 ? 0 : n;
    }
    case 'list':
      return [...((previous as string[] | undefined) ?? []), raw];
    default:
      if (spec.values && !spec.values.includes(raw)) throw bad();
      return raw;
  }
}

/** Usage text of a command's options. */
export function optionsUsage(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const left = `--${s.name}${s.type === 'boolean' ? '' : ` ${s.placeholder ?? (s.values ? s.values.join('|') : 'VALUE')}`}`;
    return [left, s.description] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`).join('\n');
}

/**
 * Parses `--space-option key=value` entries into an object (decimal numbers
 * and booleans converted), as the run record keeps them; the space's schema
 * checks them when the space is created.
 */
export function keyValues(entries: readonly string[], option: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${option}: expected key=value, got ${JSON.stringify(entry)}`);
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    out[key] = value === 'true' ? true : value === 'false' ? false : parseDecimal(value) !== undefined ? Number(value) : value;
  }
  return out;
}
