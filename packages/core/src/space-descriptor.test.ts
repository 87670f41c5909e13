import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SearchSpace } from './search-space.js';
import { scoresOutputs, type OutputScorer } from './space-abilities.js';
import { SpaceOptionError, defineSpaceDescriptor, hasWidthOption, isSpaceDescriptor, parseSpaceOptions, type SpaceDescriptor } from './space-descriptor.js';
import { plainSpace } from './plain-space.fixture.js';

const plain = plainSpace;

const descriptor = defineSpaceDescriptor({
  name: 'toy',
  description: 'a toy space',
  options: {
    cells: { kind: 'integer', min: 1, default: 8, help: 'cells' },
    rate: { kind: 'number', min: 0, max: 1, help: 'a rate' },
    kernels: { kind: 'number-list', integer: true, min: 1, default: [1, 3], help: 'kernel sizes' },
    norm: { kind: 'enum', values: ['batch', 'moving'], help: 'statistics' },
    label: { kind: 'string', help: 'a label' },
    fast: { kind: 'boolean', default: false, help: 'go fast' },
  },
  create: () => plain,
});

describe('parseSpaceOptions', () => {
  it('converts command-line strings and JS values, and leaves out options not given', () => {
    const raw = { cells: '4', rate: '0.5', kernels: '1,3,5', norm: 'moving', label: 'x', fast: 'true' };
    expect(parseSpaceOptions(descriptor.options, raw)).toEqual({ cells: 4, rate: 0.5, kernels: [1, 3, 5], norm: 'moving', label: 'x', fast: true });
    expect(parseSpaceOptions(descriptor.options, { cells: 4, kernels: [3], fast: false, label: 7 })).toEqual({
      cells: 4,
      kernels: [3],
      fast: false,
      label: '7',
    });
    // A single number read before the schema was known (an old run record) is a list of one.
    expect(parseSpaceOptions(descriptor.options, { kernels: 5 })).toEqual({ kernels: [5] });
    expect(parseSpaceOptions(descriptor.options, {})).toEqual({});
  });

  it('names the space in the error of an unknown option when told it', () => {
    expect(() => parseSpaceOptions(descriptor.options, { depth: 1 }, 'toy')).toThrow("depth: not an option of 'toy'; accepted: cells,");
  });

  it('names the option, what was given and what was expected', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ depth: 3 }, 'depth: not an option of this space; accepted: cells, rate, kernels, norm, label, fast'],
      [{ cells: '0x2' }, 'cells: expected an integer >= 1, got "0x2"'],
      [{ cells: '2.5' }, 'cells: expected an integer >= 1, got "2.5"'],
      [{ cells: 0 }, 'cells: expected an integer >= 1, got 0'],
      [{ cells: '' }, 'cells: expected an integer >= 1, got ""'],
      [{ rate: '1.5' }, 'rate: expected a number in [0, 1], got "1.5"'],
      [{ rate: 'Infinity' }, 'rate: expected a number in [0, 1], got "Infinity"'],
      [{ kernels: '1,,3' }, 'kernels: expected comma-separated integers >= 1, got "1,,3"'],
      [{ kernels: [1.5] }, 'kernels: expected comma-separated integers >= 1, got [1.5]'],
      [{ norm: 'mean' }, 'norm: expected one of batch, moving, got "mean"'],
      [{ fast: 'yes' }, 'fast: expected true or false, got "yes"'],
    ];
    for (const [raw, message] of cases) {
      const error = (() => {
        try {
          parseSpaceOptions(descriptor.options, raw);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SpaceOptionError);
      expect((error as SpaceOptionError).message).toBe(message);
      expect((error as SpaceOptionError).option).toBe(Object.keys(raw)[0]);
    }
  });

  it('types the options from the schema', () => {
    const parsed = parseSpaceOptions(descriptor.options, {});
    expectTypeOf(parsed.cells).toEqualTypeOf<number | undefined>();
    expectTypeOf(parsed.kernels).toEqualTypeOf<readonly number[] | undefined>();
    expectTypeOf(parsed.norm).toEqualTypeOf<'batch' | 'moving' | undefined>();
    expectTypeOf(parsed.fast).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(descriptor).toMatchTypeOf<SpaceDescriptor>();
  });
});

describe('the guards of descriptors and their abilities', () => {
  it('find a descriptor among module exports', () => {
    expect([isSpaceDescriptor(descriptor), isSpaceDescriptor(plain), isSpaceDescriptor(() => plain), isSpaceDescriptor(null)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it('find the width option, and the space metrics', () => {
    expect(hasWidthOption(descriptor)).toBe(false);
    const wide = { ...descriptor, width: { option: 'cells', step: 2 } };
    expect(hasWidthOption(wide)).toBe(true);
    if (hasWidthOption(wide)) expect(wide.width.option).toBe('cells');
    expect(hasWidthOption({ ...descriptor, width: 'cells' } as SpaceDescriptor)).toBe(false);

    expect(scoresOutputs(plain)).toBe(false);
    const scoring: SearchSpace & OutputScorer = {
      ...plain,
      scoreOutputs: (o, t, [n]) => ({ sum: Array.from(o).reduce((a, b) => a + b, 0) - Array.from(t).length + (n ?? 0) }),
    };
    const space: SearchSpace = scoring;
    expect(scoresOutputs(space)).toBe(true);
    if (scoresOutputs(space)) expect(space.scoreOutputs([1, 2], [0, 0], [2, 1])).toEqual({ sum: 3 });
  });
});
