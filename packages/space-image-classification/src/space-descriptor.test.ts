import { hasWidthOption, parseSpaceOptions } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { createImageClassificationSpace } from './image-classification-space.js';
import { spaceDescriptor } from './space-descriptor.js';

describe('the image-classification space descriptor', () => {
  it("shows the factory's defaults: a space of the defaults counts as the default space", () => {
    // parameterBudget has no default: without it the search is the paper's.
    const defaults = Object.fromEntries(Object.entries(spaceDescriptor.options).flatMap(([name, spec]) => ('default' in spec ? [[name, spec.default]] : [])));
    const space = spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, defaults));
    const plain = createImageClassificationSpace();
    expect(space.variables).toEqual(plain.variables);
    const architecture = Object.fromEntries(plain.variables.map((v) => [v.name, v.kind === 'categorical' ? v.choices[0]! : 0]));
    const task = { inputShape: [32, 32, 3] as const, classes: 10 };
    expect(space.countParameters(architecture, task)).toBe(plain.countParameters(architecture, task));
  });

  it('creates the space of command-line options, names a bad one, and offers channels as its width', () => {
    const space = spaceDescriptor.create(
      parseSpaceOptions(spaceDescriptor.options, { cells: '2', channels: '4', nodes: '2', evaluationStatistics: 'moving', recomputeCells: 'true' }),
    );
    expect(space.variables.length).toBe(2 * 2 * 4);
    expect(() => parseSpaceOptions(spaceDescriptor.options, { cells: '0x2' })).toThrow('cells: expected an integer >= 1, got "0x2"');
    expect(() => spaceDescriptor.create({ channels: 2.5 })).toThrow('channels: expected an integer >= 1, got 2.5');
    expect(() => parseSpaceOptions(spaceDescriptor.options, { parameterBudget: '0' })).toThrow(/parameterBudget: expected an integer >= 1/);
    const budgeted = spaceDescriptor.create(parseSpaceOptions(spaceDescriptor.options, { cells: '3', channels: '6', parameterBudget: '3000' }));
    expect(budgeted.variables).toEqual(createImageClassificationSpace({ cells: 3, channels: 6 }).variables);
    expect(hasWidthOption(spaceDescriptor) && spaceDescriptor.width).toEqual({ option: 'channels', step: 1 });
  });
});
