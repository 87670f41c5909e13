import { Rng } from '@asng/core/base';
import { describeDistribution } from '@asng/testing';
import { describe, expect, it } from 'vitest';
import { CategoricalDistribution, defaultMinProbability } from './categorical-distribution.js';

describeDistribution('categorical [3, 5, 2, 1, 4]', () => new CategoricalDistribution([3, 5, 2, 1, 4]));
describeDistribution('categorical, one binary variable', () => new CategoricalDistribution([2]));
describeDistribution(
  'categorical, non-uniform start',
  () =>
    new CategoricalDistribution([3, 2], {
      theta: [
        [0.7, 0.2, 0.1],
        [0.25, 0.75],
      ],
    }),
);

describe('CategoricalDistribution', () => {
  it('lays theta out without padding and counts free parameters', () => {
    const d = new CategoricalDistribution([3, 1, 2]);
    expect(d.thetaLength).toBe(6);
    expect(d.freeParameters).toBe(3);
    expect(d.validVariables).toBe(2);
    expect(Array.from(d.theta())).toEqual([1 / 3, 1 / 3, 1 / 3, 1, 0.5, 0.5]);
  });

  it('samples each choice with its probability and never a zero-probability one', () => {
    const d = new CategoricalDistribution([3], { theta: [[0.2, 0, 0.8]], rangeRestriction: false });
    const counts = [0, 0, 0];
    for (const x of d.sample(20000, new Rng(1))) counts[x[0]!]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 20000).toBeCloseTo(0.2, 1);
  });

  it('takes the mode as the most likely sample (first on ties)', () => {
    const d = new CategoricalDistribution([3, 2], {
      theta: [
        [0.2, 0.5, 0.3],
        [0.5, 0.5],
      ],
    });
    expect(Array.from(d.mostLikely())).toEqual([1, 0]);
  });

  it('computes sqrt(F) g whose squared norm is the Fisher quadratic form', () => {
    const theta = [0.5, 0.3, 0.2];
    const d = new CategoricalDistribution([3], { theta: [theta] });
    const g = new Float64Array([0.1, -0.3, 0.2]);
    const s = d.fisherSqrt(g);
    // Fisher of the free coordinates of a categorical: diag(1/theta_i) + 1/theta_K.
    const free = [g[0]!, g[1]!];
    const quad = free[0]! ** 2 / theta[0]! + free[1]! ** 2 / theta[1]! + (free[0]! + free[1]!) ** 2 / theta[2]!;
    expect(s[0]! ** 2 + s[1]! ** 2).toBeCloseTo(quad, 12);
  });

  it('keeps every probability at least the bound after restriction, summing to 1', () => {
    const d = new CategoricalDistribution([4, 4, 4]);
    const lo = d.minProbability(0);
    expect(lo).toBeCloseTo(1 / 9, 15);
    d.step(new Float64Array([5, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 1);
    d.restrictRange();
    const p = d.probabilities(0);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(lo - 1e-15);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it('uses the paper bound where it leaves room to learn, and 1/(2K) where it would not', () => {
    expect(defaultMinProbability(10, 2)).toBeCloseTo(0.1, 15);
    expect(defaultMinProbability(40, 5)).toBeCloseTo(1 / 160, 15);
    expect(defaultMinProbability(1, 2)).toBeCloseTo(0.25, 15);
    expect(defaultMinProbability(2, 2)).toBeCloseTo(0.25, 15);
    expect(defaultMinProbability(1, 5)).toBeCloseTo(0.1, 15);
    expect(defaultMinProbability(5, 1)).toBe(0);
  });

  it('validates its arguments with clear errors', () => {
    expect(() => new CategoricalDistribution([])).toThrow(/non-empty/);
    expect(() => new CategoricalDistribution([2, 0])).toThrow(/categories\[1\] must be a positive integer, got 0/);
    expect(() => new CategoricalDistribution([2], { theta: [[0.5, 0.6]] })).toThrow(/options.theta\[0\] must sum to 1/);
    expect(() => new CategoricalDistribution([2], { theta: [[0.5]] })).toThrow(/must have 2 probabilities/);
    expect(() => new CategoricalDistribution([3], { minProbability: () => 0.5 })).toThrow(/minProbability/);
    const d = new CategoricalDistribution([2, 3]);
    expect(() => d.sufficientStatistics(Int32Array.from([0, 3]))).toThrow(/entry 1 must be in \[0, 2\], got 3/);
    expect(() => d.setState({ kind: 'categorical', categories: [2, 4], theta: [] })).toThrow(/categories/);
  });
});
