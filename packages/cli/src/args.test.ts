import { Rng } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type OptionSpec } from './args.js';

const SPECS: readonly OptionSpec[] = [
  { name: 'steps', type: 'integer', min: 1, description: '' },
  { name: 'seed', type: 'integer', description: '' },
  { name: 'lambda', type: 'integer', min: 2, max: 1000, description: '' },
  { name: 'lr', type: 'number', greaterThan: 0, description: '' },
  { name: 'penalty', type: 'number', min: 0, description: '' },
  { name: 'backend', type: 'string', values: ['wasm', 'cpu'], description: '' },
  { name: 'run-dir', type: 'string', description: '' },
  { name: 'space-option', type: 'list', description: '' },
  { name: 'json', type: 'boolean', description: '' },
];

/** Strings that look like numbers, nearly numbers, or not at all. */
function randomToken(rng: Rng): string {
  const pieces = ['0', '1', '7', '42', '-', '+', '.', 'e', 'E', 'x', '0x', 'b', ' ', 'Infinity', 'NaN', '1e400', '_', '9007199254740993', ''];
  let s = '';
  for (let k = 1 + rng.int(4); k > 0; k--) s += pieces[rng.int(pieces.length)];
  return s;
}

/** What a strict parser must accept for a numeric spec, computed independently of parseArgs. */
function expected(spec: OptionSpec, raw: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) return undefined;
  if (spec.type === 'integer' && !Number.isSafeInteger(n)) return undefined;
  if (spec.min !== undefined && n < spec.min) return undefined;
  if (spec.greaterThan !== undefined && n <= spec.greaterThan) return undefined;
  if (spec.max !== undefined && n > spec.max) return undefined;
  // -0 is read as 0.
  return n === 0 ? 0 : n;
}

describe('parseArgs, property tests (seeded)', () => {
  it('accepts exactly the decimal numbers within bounds, as Number() reads them, and names the option otherwise', () => {
    const rng = new Rng(2026);
    let accepted = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const spec = SPECS.filter((s) => s.type === 'integer' || s.type === 'number')[rng.int(5)]!;
      const raw = randomToken(rng);
      const want = expected(spec, raw);
      const form = rng.int(2) === 0 ? [`--${spec.name}`, raw] : [`--${spec.name}=${raw}`];
      if (want === undefined) {
        expect(() => parseArgs(form, SPECS, 'test'), `${form.join(' ')}`).toThrow(UsageError);
        expect(() => parseArgs(form, SPECS, 'test')).toThrow(new RegExp(`^--${spec.name}: expected`));
      } else {
        accepted++;
        expect(parseArgs(form, SPECS, 'test').values[spec.name], form.join(' ')).toBe(want);
      }
    }
    // The generator reaches both sides of the rule.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(3700);
  });

  it('gives the same values whatever the order of the options and the --name=value or --name value form', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const given: [string, string | undefined][] = [
        ['steps', String(1 + rng.int(5000))],
        ['lr', (rng.uniform() + 0.001).toPrecision(4)],
        ['backend', rng.int(2) === 0 ? 'wasm' : 'cpu'],
        ['run-dir', `runs/r${rng.int(100)}=x`],
        ['json', undefined],
      ];
      const order = given.map((g) => [rng.uniform(), g] as const).sort((a, b) => a[0] - b[0]);
      const groups = order.map(([, [name, value]]) => (value === undefined ? [`--${name}`] : rng.int(2) === 0 ? [`--${name}`, value] : [`--${name}=${value}`]));
      // A positional argument anywhere between options.
      const positional = `p${trial}`;
      groups.splice(rng.int(groups.length + 1), 0, [positional]);
      const parsed = parseArgs(groups.flat(), SPECS, 'test');
      expect(parsed.positionals).toEqual([positional]);
      expect(parsed.values).toEqual({
        steps: Number(given[0]![1]),
        lr: Number(given[1]![1]),
        backend: given[2]![1],
        'run-dir': given[3]![1],
        json: true,
      });
    }
  });

  it('refuses any unknown option, a value given to a flag, and a missing value, naming the option', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 500; trial++) {
      const name = `x${randomToken(rng).replace(/[ =]/g, '')}${rng.int(1000)}`;
      expect(() => parseArgs([`--${name}`, '1'], SPECS, 'test')).toThrow(`unknown option --${name} for 'test'`);
    }
    expect(() => parseArgs(['--json=yes'], SPECS, 'test')).toThrow('--json takes no value');
    for (const spec of SPECS.filter((s) => s.type !== 'boolean')) {
      expect(() => parseArgs([`--${spec.name}`], SPECS, 'test')).toThrow(`--${spec.name}: expected`);
    }
    expect(parseArgs(['--space-option', 'a=1', '--space-option=b=2'], SPECS, 'test').values['space-option']).toEqual(['a=1', 'b=2']);
  });
});
