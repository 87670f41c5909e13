import { describe, expect, it } from 'vitest';
import { Rng, type DatasetSplit } from '@asng/core';
import { splitTrainValidation, subsetSplit } from './split.js';

describe('splitTrainValidation', () => {
  it('divides into disjoint sorted parts covering everything, seeded', () => {
    const a = splitTrainValidation(101, { rng: new Rng(1) });
    expect(a.train.length).toBe(50);
    expect(a.validation.length).toBe(51);
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(Array.from(a.train)).toEqual([...a.train].sort((x, y) => x - y));
    expect(splitTrainValidation(101, { rng: new Rng(1) })).toEqual(a);
    expect(splitTrainValidation(101, { rng: new Rng(2) }).train).not.toEqual(a.train);
  });

  it('keeps the order without an rng, and honours the fraction', () => {
    const split = splitTrainValidation(10, { validationFraction: 0.2 });
    expect(Array.from(split.train)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(split.validation)).toEqual([8, 9]);
    expect(() => splitTrainValidation(10, { validationFraction: 1 })).toThrow(RangeError);
  });
});

describe('subsetSplit', () => {
  it('reads the mapped examples', async () => {
    const asked: number[][] = [];
    const base: DatasetSplit = {
      size: 10,
      read: async (indices) => {
        asked.push(Array.from(indices));
        return { count: indices.length, shape: [1, 1, 1], images: Uint8Array.from(indices), labels: null };
      },
    };
    const subset = subsetSplit(base, [7, 2, 5]);
    expect(subset.size).toBe(3);
    expect(Array.from((await subset.read([2, 0])).images)).toEqual([5, 7]);
    await expect(subset.read([3])).rejects.toThrow(/outside \[0, 3\)/);
    expect(() => subsetSplit(base, [10])).toThrow(RangeError);
  });
});
