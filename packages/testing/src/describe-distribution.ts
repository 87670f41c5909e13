import { Rng, type Distribution } from '@asng/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link describeDistribution}. */
export interface DescribeDistributionOptions {
  /** Samples used by the Monte Carlo checks. @default 20000 */
  readonly monteCarloSamples?: number;
  /** Tolerance of `mean(T(x)) ~ theta`, in standard errors. @default 6 */
  readonly standardErrors?: number;
  /** Seed of the RNG the suite draws from. @default 12345 */
  readonly seed?: number;
}

function finite(v: Float64Array): boolean {
  return v.every(Number.isFinite);
}

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The conformance suite of the {@link Distribution} contract. Call it in a
 * test file of your own distribution, as asng's own distributions do:
 *
 * ```ts
 * describeDistribution('my distribution', () => new MyDistribution(...));
 * ```
 *
 * It checks shapes, that `theta` is the expectation of `T(x)` (Monte Carlo),
 * that the natural gradient is the weighted mean of `T(x) - theta`, that the
 * Fisher-normalised vector is linear and vanishes only at zero, that updates
 * with range restriction keep the distribution valid, determinism under a
 * seeded RNG, and exact JSON state round trips that reject bad input without
 * changing anything.
 *
 * @param name - title of the `describe` block.
 * @param create - makes a fresh distribution in its initial state.
 */
export function describeDistribution<X>(name: string, create: () => Distribution<X>, options: DescribeDistributionOptions = {}): void {
  const samples = options.monteCarloSamples ?? 20_000;
  const z = options.standardErrors ?? 6;
  const seed = options.seed ?? 12_345;

  describe(`Distribution conformance: ${name}`, () => {
    it('has consistent sizes', () => {
      const d = create();
      expect(Number.isInteger(d.freeParameters) && d.freeParameters >= 0).toBe(true);
      expect(Number.isInteger(d.thetaLength) && d.thetaLength >= d.freeParameters).toBe(true);
      const theta = d.theta();
      expect(theta.length).toBe(d.thetaLength);
      expect(finite(theta)).toBe(true);
      const xs = d.sample(3, new Rng(seed));
      expect(xs).toHaveLength(3);
      for (const x of xs) expect(d.sufficientStatistics(x).length).toBe(d.thetaLength);
      expect(d.sufficientStatistics(d.mostLikely()).length).toBe(d.thetaLength);
    });

    it('theta() returns a copy', () => {
      const d = create();
      const theta = d.theta();
      const before = theta.slice();
      theta.fill(123);
      expect(Array.from(d.theta())).toEqual(Array.from(before));
    });

    it('theta is the expectation of T(x) (Monte Carlo)', () => {
      const d = create();
      const rng = new Rng(seed + 1);
      const sum = new Float64Array(d.thetaLength);
      const sumSq = new Float64Array(d.thetaLength);
      const xs = d.sample(samples, rng);
      for (const x of xs) {
        const t = d.sufficientStatistics(x);
        for (let j = 0; j < t.length; j++) {
          sum[j]! += t[j]!;
          sumSq[j]! += t[j]! * t[j]!;
        }
      }
      const theta = d.theta();
      for (let j = 0; j < theta.length; j++) {
        const mean = sum[j]! / samples;
        const variance = Math.max(sumSq[j]! / samples - mean * mean, 0);
        const tolerance = z * Math.sqrt(variance / samples) + 1e-9 * Math.max(1, Math.abs(theta[j]!));
        expect(Math.abs(mean - theta[j]!), `theta[${j}]`).toBeLessThanOrEqual(tolerance);
      }
    });

    it('the natural gradient is the weighted mean of T(x) - theta', () => {
      const d = create();
      const xs = d.sample(4, new Rng(seed + 2));
      const w = [0.5, 0.25, -0.25, -0.5];
      const g = d.naturalGradient(xs, w);
      const theta = d.theta();
      const expected = new Float64Array(d.thetaLength);
      xs.forEach((x, k) => {
        const t = d.sufficientStatistics(x);
        for (let j = 0; j < t.length; j++) expected[j]! += (w[k]! * (t[j]! - theta[j]!)) / xs.length;
      });
      for (let j = 0; j < g.length; j++) expect(g[j]).toBeCloseTo(expected[j]!, 12);
    });

    it('the Fisher-normalised vector is linear and vanishes only at zero', () => {
      const d = create();
      const rng = new Rng(seed + 3);
      const [a, b, c, e] = d.sample(4, rng);
      const g1 = d.naturalGradient([a!, b!], [1, -1]);
      const g2 = d.naturalGradient([c!, e!], [1, -1]);
      const combo = g1.map((v, j) => 2 * v - 3 * g2[j]!);
      const f1 = d.fisherSqrt(g1);
      const f2 = d.fisherSqrt(g2);
      const fc = d.fisherSqrt(combo);
      expect(f1.length).toBe(d.freeParameters);
      const scale = Math.max(1, ...Array.from(fc, Math.abs));
      for (let j = 0; j < fc.length; j++) expect(Math.abs(fc[j]! - (2 * f1[j]! - 3 * f2[j]!)) / scale).toBeLessThan(1e-9);
      expect(Array.from(d.fisherSqrt(new Float64Array(d.thetaLength))).every((v) => v === 0)).toBe(true);
      if (g1.some((v) => Math.abs(v) > 1e-12)) expect(f1.some((v) => v !== 0)).toBe(true);
    });

    it('stays valid under many updates with range restriction', () => {
      const d = create();
      const rng = new Rng(seed + 4);
      for (let t = 0; t < 200; t++) {
        const xs = d.sample(2, rng);
        const g = d.naturalGradient(xs, [1, -1]);
        const norm = Math.hypot(...Array.from(d.fisherSqrt(g)));
        if (norm > 0) d.step(g, 0.5 / norm);
        d.restrictRange();
        expect(finite(d.theta())).toBe(true);
      }
      const xs = d.sample(10, rng);
      for (const x of xs) expect(finite(d.sufficientStatistics(x))).toBe(true);
    });

    it('samples deterministically from a seeded RNG', () => {
      const a = create()
        .sample(5, new Rng(seed + 5))
        .map((x) => JSON.stringify(Array.from(x as ArrayLike<number>)));
      const b = create()
        .sample(5, new Rng(seed + 5))
        .map((x) => JSON.stringify(Array.from(x as ArrayLike<number>)));
      expect(a).toEqual(b);
    });

    it('round-trips its state through JSON exactly', () => {
      const d = create();
      const rng = new Rng(seed + 6);
      for (let t = 0; t < 5; t++) {
        const xs = d.sample(2, rng);
        const g = d.naturalGradient(xs, [1, -1]);
        d.step(g, 0.1);
        d.restrictRange();
      }
      const restored = create();
      restored.setState(roundTrip(d.getState()));
      expect(Array.from(restored.theta())).toEqual(Array.from(d.theta()));
      expect(roundTrip(restored.getState())).toEqual(roundTrip(d.getState()));
    });

    it('rejects a malformed state with a TypeError and keeps its own', () => {
      const d = create();
      const before = Array.from(d.theta());
      expect(() => d.setState({ kind: 'not-a-distribution' })).toThrow(TypeError);
      const state = roundTrip(d.getState()) as Record<string, unknown>;
      for (const key of Object.keys(state)) {
        if (key === 'kind') continue;
        expect(() => d.setState({ ...state, kind: state.kind as string, [key]: 'garbage' })).toThrow(TypeError);
      }
      expect(Array.from(d.theta())).toEqual(before);
    });
  });
}
