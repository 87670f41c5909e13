import { describe, expect, it } from 'vitest';
import { rankingUtility } from './ranking-utility.js';

describe('rankingUtility', () => {
  it('rewards the best mu and penalises the worst mu', () => {
    expect(Array.from(rankingUtility([0.3, 0.1]).utilities)).toEqual([-1, 1]);
    expect(Array.from(rankingUtility([5, 1, 3, 2]).utilities)).toEqual([-1, 1, 0, 0]);
    const six = rankingUtility([6, 5, 4, 3, 2, 1]);
    expect(Array.from(six.bySortedRank)).toEqual([0.5, 0.5, 0, 0, -0.5, -0.5]);
    expect(Array.from(six.order)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('works for odd lambda', () => {
    expect(Array.from(rankingUtility([3, 1, 2]).utilities)).toEqual([-1, 1, 0]);
    expect(Array.from(rankingUtility([5, 4, 3, 2, 1]).bySortedRank)).toEqual([0.5, 0.5, 0, -0.5, -0.5]);
  });

  it('shares utilities among ties, including equal zero and negative losses', () => {
    expect(Array.from(rankingUtility([0.1, 0.1]).utilities)).toEqual([0, 0]);
    expect(Array.from(rankingUtility([0, 0]).utilities)).toEqual([0, 0]);
    expect(Array.from(rankingUtility([-2, -2]).utilities)).toEqual([0, 0]);
    expect(Array.from(rankingUtility([1, 1, 2, 2]).utilities)).toEqual([0.5, 0.5, -0.5, -0.5]);
  });

  it('tells apart losses that differ by more than the relative tolerance', () => {
    expect(Array.from(rankingUtility([1, 1 + 1e-12]).utilities)).toEqual([1, -1]);
    expect(Array.from(rankingUtility([1, 1 + 1e-16]).utilities)).toEqual([0, 0]);
  });

  it('rejects NaN, infinite losses and overlapping groups', () => {
    expect(() => rankingUtility([1, Number.NaN])).toThrow(/loss 1 is NaN/);
    expect(() => rankingUtility([Infinity, 1])).toThrow(/loss 0 is Infinity/);
    expect(() => rankingUtility([1])).toThrow(/overlap/);
    expect(() => rankingUtility([])).toThrow(/at least one loss/);
  });
});
