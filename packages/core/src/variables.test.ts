import { describe, expect, it } from 'vitest';
import { categorical, continuous, formatArchitecture, integer, minStdOf, validateArchitecture, validateVariables } from './variables.js';

const variables = [categorical('op', ['conv', 'pool']), integer('channels', 16, 64), continuous('rate', 0, 1)];

describe('variables', () => {
  it('accept a well-formed list', () => {
    expect(() => validateVariables(variables)).not.toThrow();
    expect(minStdOf(variables[1] as never)).toBe(0.25);
    expect(minStdOf(variables[2] as never)).toBeCloseTo(0.001, 12);
  });

  it('name the variable and the field of each mistake', () => {
    expect(() => validateVariables([categorical('a', [])])).toThrow(/variables\[0\] \('a'\).choices: expected at least one choice/);
    expect(() => validateVariables([categorical('a', ['x']), categorical('a', ['y'])])).toThrow(/duplicate variable name 'a'/);
    expect(() => validateVariables([integer('n', 1.5, 3)])).toThrow(/integer bounds must be integers/);
    expect(() => validateVariables([continuous('r', 1, 1)])).toThrow(/expected max > min/);
    expect(() => validateVariables([integer('n', 0, 4, { minStd: 3 })])).toThrow(/minStd: expected a number in \(0, 2\]/);
    expect(() => validateVariables([{ kind: 'boolean', name: 'b' } as never])).toThrow(
      /kind: expected 'categorical', 'integer' or 'continuous', got "boolean"/,
    );
  });

  it('validate architectures against them', () => {
    expect(() => validateArchitecture(variables, { op: 'pool', channels: 32, rate: 0.5 })).not.toThrow();
    expect(() => validateArchitecture(variables, { op: 'max', channels: 32, rate: 0.5 })).toThrow(
      /architecture.op: expected one of \["conv","pool"\], got "max"/,
    );
    expect(() => validateArchitecture(variables, { op: 'pool', channels: 32.5, rate: 0.5 })).toThrow(/channels: expected an integer in \[16, 64\], got 32.5/);
    expect(() => validateArchitecture(variables, { op: 'pool', channels: 32 })).toThrow(/missing variable 'rate'/);
    expect(() => validateArchitecture(variables, { op: 'pool', channels: 32, rate: 0, extra: 1 })).toThrow(/unknown variable 'extra'/);
  });

  it('format an architecture one variable per line', () => {
    expect(formatArchitecture(variables, { op: 'pool', channels: 32, rate: 0.25 })).toBe('op        pool\nchannels  32\nrate      0.250000');
  });
});
