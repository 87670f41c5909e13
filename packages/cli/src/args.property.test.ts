import { describe, expect, it } from 'vitest';
import { keyValues, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from './args.js';
import { COMMANDS } from './commands/index.js';

/**
 * Property tests of the argument parser over every command's real options
 * (issue 14): random argument lists, valid or not, give either values that
 * round-trip (written back as arguments, they parse to the same values) or a
 * UsageError naming what is wrong; never an error of another type.
 */

/** mulberry32: a small seeded generator, so that a failure is reproducible from its seed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Gen = ReturnType<typeof generator>;

const PARSED = COMMANDS.filter((c) => !c.ownArguments && c.options.length > 0);

/** Text of any sort: letters, digits, signs, '=', dashes, spaces, non-ASCII, empty. */
function anyText(g: Gen): string {
  const pieces = ['a', 'Z', '0', '7', '42', '-', '--', '=', '.', 'e', '+', ' ', 'é', '🙂', '\u0000', '/', 'x=y', 'Infinity', 'NaN', '0x1f', ''];
  let s = '';
  for (let k = g.int(5); k > 0; k--) s += g.pick(pieces);
  return s;
}

/** A decimal number as people write it, and its value. */
function decimalText(g: Gen, value: number): string {
  const forms = [String(value), value.toExponential(), `${value}`.replace(/^(\d)/, '+$1')];
  if (Number.isInteger(value)) forms.push(`${value}.`, `${value}e0`);
  return g.pick(forms);
}

/** A valid value of `spec`, as text, or `undefined` for a flag. */
function validValue(g: Gen, spec: OptionSpec): string | undefined {
  switch (spec.type) {
    case 'boolean':
      return undefined;
    case 'integer': {
      const low = Math.max(spec.min ?? -1000, spec.greaterThan !== undefined ? Math.floor(spec.greaterThan) + 1 : -1e6);
      const high = Math.min(spec.max ?? low + 100_000, low + 100_000);
      return decimalText(g, low + g.int(high - low + 1));
    }
    case 'number': {
      const low = spec.greaterThan ?? spec.min ?? -10;
      const high = spec.max ?? low + 1000;
      let n = low + g.next() * (high - low);
      if (spec.greaterThan !== undefined && n <= spec.greaterThan) n = (spec.greaterThan + high) / 2;
      return decimalText(g, Number(n.toPrecision(1 + g.int(8))) > high ? high : Number(n.toPrecision(1 + g.int(8))));
    }
    default:
      return spec.values ? g.pick(spec.values) : anyText(g);
  }
}

/** An argument list that must parse: options in either form, positionals (never starting with --) anywhere. */
function validArgv(g: Gen, specs: readonly OptionSpec[]): string[] {
  const argv: string[] = [];
  for (let k = g.int(8); k > 0; k--) {
    if (g.int(4) === 0) {
      argv.push(`p${anyText(g).replace(/^-+/, '')}`);
      continue;
    }
    const spec = g.pick(specs);
    const value = validValue(g, spec);
    if (value === undefined) argv.push(`--${spec.name}`);
    else if (g.int(2) === 0) argv.push(`--${spec.name}=${value}`);
    else argv.push(`--${spec.name}`, value);
  }
  return argv;
}

/** A valid list damaged at random: an unknown option, a bad or missing value, a value given to a flag, random text. */
function damagedArgv(g: Gen, specs: readonly OptionSpec[]): string[] {
  const argv = validArgv(g, specs);
  const at = g.int(argv.length + 1);
  const spec = g.pick(specs);
  const damage = g.int(6);
  if (damage === 0) argv.splice(at, 0, `--${anyText(g)}`);
  else if (damage === 1) argv.splice(at, 0, `--${spec.name}=${anyText(g)}`);
  else if (damage === 2) argv.push(`--${spec.name}`);
  else if (damage === 3) argv.splice(at, 0, `--${spec.name}=`);
  else if (damage === 4) argv.splice(at, 0, spec.type === 'boolean' ? `--${spec.name}=${anyText(g)}` : `--${spec.name}=1e400`);
  else for (let k = 1 + g.int(4); k > 0; k--) argv.splice(g.int(argv.length + 1), 0, anyText(g));
  return argv;
}

/** Parsed values written back as arguments (`--name=value`, flags bare, lists repeated), positionals first. */
function unparse(parsed: ParsedArgs, specs: readonly OptionSpec[]): string[] {
  const argv = [...parsed.positionals];
  for (const [name, value] of Object.entries(parsed.values)) {
    const spec = specs.find((s) => s.name === name)!;
    if (spec.type === 'boolean') argv.push(`--${name}`);
    else if (Array.isArray(value)) for (const v of value) argv.push(`--${name}=${v}`);
    else argv.push(`--${name}=${String(value)}`);
  }
  return argv;
}

/** Parses, and returns the result or the UsageError; any other error fails the test, with the arguments. */
function parseOrUsage(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs | UsageError {
  try {
    return parseArgs(argv, specs, command);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw new Error(`parseArgs threw ${(error as Error).name} for ${JSON.stringify(argv)}: ${(error as Error).message}`);
  }
}

/** The values of a parse as `parseArgs` must give them: typed by their spec, within bounds, never -0. */
function checkTyped(parsed: ParsedArgs, specs: readonly OptionSpec[]): void {
  for (const [name, value] of Object.entries(parsed.values)) {
    const spec = specs.find((s) => s.name === name);
    expect(spec, name).toBeDefined();
    if (spec!.type === 'boolean') expect(value).toBe(true);
    else if (spec!.type === 'list') expect(Array.isArray(value)).toBe(true);
    else if (spec!.type === 'integer' || spec!.type === 'number') {
      expect(typeof value, name).toBe('number');
      const n = value as number;
      expect(Number.isFinite(n), name).toBe(true);
      if (spec!.type === 'integer') expect(Number.isSafeInteger(n), name).toBe(true);
      if (spec!.min !== undefined) expect(n, name).toBeGreaterThanOrEqual(spec!.min);
      if (spec!.greaterThan !== undefined) expect(n, name).toBeGreaterThan(spec!.greaterThan);
      if (spec!.max !== undefined) expect(n, name).toBeLessThanOrEqual(spec!.max);
      expect(Object.is(n, -0), `${name} is -0`).toBe(false);
    } else {
      expect(typeof value, name).toBe('string');
      if (spec!.values) expect(spec!.values).toContain(value);
    }
  }
}

describe('parseArgs on every command, property tests (seeded)', () => {
  for (const command of PARSED) {
    it(`asng ${command.name}: valid lists parse to typed values that round-trip; damaged ones are a UsageError or still valid`, () => {
      const g = generator(0x14 + command.name.length * 977);
      let valid = 0;
      let refused = 0;
      for (let trial = 0; trial < 600; trial++) {
        const damaged = trial % 2 === 1;
        const argv = damaged ? damagedArgv(g, command.options) : validArgv(g, command.options);
        const result = parseOrUsage(argv, command.options, `asng ${command.name}`);
        if (result instanceof UsageError) {
          expect(damaged, `a valid list was refused: ${JSON.stringify(argv)}: ${result.message}`).toBe(true);
          // The message names an option (--name) or says what was expected.
          expect(result.message, JSON.stringify(argv)).toMatch(/--|expected/);
          refused++;
          continue;
        }
        valid++;
        checkTyped(result, command.options);
        const again = parseArgs(unparse(result, command.options), command.options, `asng ${command.name}`);
        expect(again, JSON.stringify(argv)).toEqual(result);
      }
      expect(valid).toBeGreaterThan(300);
      expect(refused).toBeGreaterThan(100);
    });
  }

  it('arbitrary text as arguments: a parse or a UsageError, never another error', () => {
    const g = generator(2026);
    const specs = PARSED.flatMap((c) => c.options).filter((s, i, all) => all.findIndex((o) => o.name === s.name) === i);
    for (let trial = 0; trial < 3000; trial++) {
      const argv = Array.from({ length: g.int(6) }, () => (g.int(3) === 0 ? `--${g.pick(specs).name}${g.int(2) ? '=' : ''}${anyText(g)}` : anyText(g)));
      const result = parseOrUsage(argv, specs, 'asng test');
      if (!(result instanceof UsageError)) {
        checkTyped(result, specs);
        expect(parseArgs(unparse(result, specs), specs, 'asng test')).toEqual(result);
      }
    }
  });

  it('keyValues (--space-option): key=value entries parse to an object that round-trips, or a UsageError naming the option', () => {
    const g = generator(99);
    for (let trial = 0; trial < 2000; trial++) {
      const entries = Array.from({ length: g.int(4) }, () =>
        g.int(5) === 0 ? anyText(g) : `k${g.int(5)}=${g.int(2) ? decimalText(g, g.int(100)) : anyText(g)}`,
      );
      let parsed: Record<string, string | number | boolean>;
      try {
        parsed = keyValues(entries, 'space-option');
      } catch (error) {
        expect(error, JSON.stringify(entries)).toBeInstanceOf(UsageError);
        expect((error as Error).message).toMatch(/^--space-option: expected key=value, got /);
        continue;
      }
      const again = keyValues(
        Object.entries(parsed).map(([k, v]) => `${k}=${String(v)}`),
        'space-option',
      );
      expect(again, JSON.stringify(entries)).toEqual(parsed);
    }
  });
});
