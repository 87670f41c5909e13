import { Rng } from '@asng/core/base';
import { describeDistribution } from '@asng/testing';
import { describe, expect, it } from 'vitest';
import { GaussianDistribution, decodeInteger } from './gaussian-distribution.js';

describeDistribution(
  'gaussian, integer-like ranges',
  () =>
    new GaussianDistribution([
      { min: 1, max: 8 },
      { min: 16, max: 128 },
      { min: -3, max: 3 },
    ]),
);
describeDistribution('gaussian, narrow start', () => new GaussianDistribution([{ min: 0, max: 1, minStd: 0.01 }], { mean: [0.2], std: [0.05] }));

/** The Fisher information of N(m, v) in expectation coordinates (m, m^2 + v), by the chain rule. */
function fisherExpectation(m: number, v: number): number[][] {
  // Inverse Fisher in (eta1, eta2) = (m, m^2 + v) is v * [[1, 2m], [2m, 4m^2 + 2v]].
  const a = v;
  const b = 2 * m * v;
  const c = v * (4 * m * m + 2 * v);
  const det = a * c - b * b;
  return [
    [c / det, -b / det],
    [-b / det, a / det],
  ];
}

describe('GaussianDistribution', () => {
  it('starts at the middle of each range with half its width as std', () => {
    const d = new GaussianDistribution([{ min: 1, max: 8 }]);
    expect(Array.from(d.theta())).toEqual([4.5, 4.5 ** 2 + 3.5 ** 2]);
    expect(Array.from(d.std())).toEqual([3.5]);
  });

  it('samples in mirrored pairs, and an odd count works', () => {
    const d = new GaussianDistribution([
      { min: 0, max: 10 },
      { min: -1, max: 1 },
    ]);
    const xs = d.sample(5, new Rng(3));
    expect(xs).toHaveLength(5);
    const m = d.mean();
    for (let i = 0; i < 2; i++) {
      expect(xs[0]![i]! + xs[1]![i]!).toBeCloseTo(2 * m[i]!, 12);
      expect(xs[2]![i]! + xs[3]![i]!).toBeCloseTo(2 * m[i]!, 12);
    }
  });

  it('computes sqrt(F) g whose squared norm is the Fisher quadratic form', () => {
    for (const [m, s] of [
      [4.5, 3.5],
      [72, 56],
      [0, 2],
      [-1.5, 0.3],
    ] as const) {
      const d = new GaussianDistribution([{ min: -200, max: 200, minStd: 0.01 }], { mean: [m], std: [s] });
      const g = new Float64Array([0.3, -2.1]);
      const f = d.fisherSqrt(g);
      const F = fisherExpectation(m, s * s);
      const quad = g[0]! * (F[0]![0]! * g[0]! + F[0]![1]! * g[1]!) + g[1]! * (F[1]![0]! * g[0]! + F[1]![1]! * g[1]!);
      expect((f[0]! ** 2 + f[1]! ** 2) / quad).toBeCloseTo(1, 9);
    }
  });

  it('restricts the mean to the range and the std to [minStd, (max - min) / 2]', () => {
    const d = new GaussianDistribution([{ min: 0, max: 4 }]);
    d.step(new Float64Array([10, 200]), 1);
    d.restrictRange();
    expect(d.mean()[0]).toBe(4);
    expect(d.std()[0]).toBeCloseTo(2, 12);
    d.step(new Float64Array([-10, -1000]), 1);
    d.restrictRange();
    expect(d.mean()[0]).toBe(0);
    expect(d.std()[0]).toBeCloseTo(0.25, 12);
  });

  it('decodes integers by rounding and clipping', () => {
    expect(decodeInteger(2.5, 1, 8)).toBe(3);
    expect(decodeInteger(9.8, 1, 8)).toBe(8);
    expect(decodeInteger(-0.8, 1, 8)).toBe(1);
  });

  it('validates its arguments with clear errors', () => {
    expect(() => new GaussianDistribution([{ min: 2, max: 2 }])).toThrow(/bounds\[0\] must have finite min < max/);
    expect(() => new GaussianDistribution([{ min: 0, max: 1, minStd: 0.6 }])).toThrow(/minStd must be in \(0, 0.5\]/);
    expect(() => new GaussianDistribution([{ min: 0, max: 1 }], { mean: [0.5, 0.5] })).toThrow(/options.mean must be an array of 1/);
    const d = new GaussianDistribution([{ min: 0, max: 1, minStd: 0.1 }]);
    expect(() => d.setState({ kind: 'gaussian', mean: [0.5], secondMoment: [0.1] })).toThrow(/secondMoment\[0\] must be at least mean\[0\]\^2/);
  });
});
