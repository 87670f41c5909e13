import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SearchSpace } from './search-space.js';
import {
  canBuildTrainingModel,
  canCountParameters,
  namesCorruption,
  type CorruptionNamer,
  type ParameterCounter,
  type TrainingModelBuilder,
} from './space-abilities.js';
import { plainSpace, unused } from './plain-space.fixture.js';

const plain = plainSpace;

describe('the guards of the optional abilities', () => {
  it('find each ability by its member, and nothing on a plain space', () => {
    expect([canBuildTrainingModel(plain), canCountParameters(plain), namesCorruption(plain)]).toEqual([false, false, false]);
    const able: SearchSpace = { ...plain, buildTrainingModel: unused, countParameters: () => 7, corruption: 'center' } as SearchSpace;
    expect([canBuildTrainingModel(able), canCountParameters(able), namesCorruption(able)]).toEqual([true, true, true]);
  });

  it('ignore members of the wrong kind', () => {
    const odd = { ...plain, buildTrainingModel: 1, countParameters: 'many', corruption: { name: 'center' } } as unknown as SearchSpace;
    expect([canBuildTrainingModel(odd), canCountParameters(odd), namesCorruption(odd)]).toEqual([false, false, false]);
  });

  it('narrow the space to the ability and keep its own type', () => {
    interface Mine extends SearchSpace {
      readonly extra: number;
    }
    const space = { ...plain, extra: 1 } as Mine;
    if (canCountParameters(space)) expectTypeOf(space).toEqualTypeOf<Mine & ParameterCounter>();
    if (canBuildTrainingModel(space)) expectTypeOf(space).toEqualTypeOf<Mine & TrainingModelBuilder>();
    if (namesCorruption(space)) expectTypeOf(space).toEqualTypeOf<Mine & CorruptionNamer>();
  });
});
