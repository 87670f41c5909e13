import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(xa);
  });

  it('mixes large and negative seeds instead of truncating them', () => {
    const draws = (seed: number) => new Rng(seed).uint32();
    expect(draws(2 ** 40 + 1)).not.toBe(draws(1));
    expect(draws(-1)).not.toBe(draws(2 ** 32 - 1));
  });

  it('restores its exact stream from a JSON state, spare normal included', () => {
    const rng = new Rng(7);
    rng.normal(); // leaves a spare deviate
    const state = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.normal(), rng.uniform(), rng.int(10), rng.normal()];
    const restored = Rng.fromState(state);
    expect([restored.normal(), restored.uniform(), restored.int(10), restored.normal()]).toEqual(expected);
  });

  it('draws uniforms in [0, 1) with the right mean and variance', () => {
    const rng = new Rng(1);
    let sum = 0;
    let sq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sq += u * u;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals', () => {
    const rng = new Rng(2);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it('draws unbiased integers in [0, n)', () => {
    const rng = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('shuffles into a permutation and forks independent streams', () => {
    const rng = new Rng(4);
    const p = rng.permutation(50);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const child = rng.fork();
    expect(child.uint32()).not.toBe(rng.uint32());
  });

  it('rejects bad seeds, arguments and states with clear errors', () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be a safe integer, got 1.5/);
    expect(() => new Rng(0).int(0)).toThrow(/n must be an integer/);
    const rng = new Rng(5);
    const before = rng.getState();
    expect(() => rng.setState({ algorithm: 'mt19937' } as never)).toThrow(/algorithm 'xoshiro128\*\*'/);
    expect(() => rng.setState({ ...before, words: [1, 2, 3] } as never)).toThrow(/'words' must be four 32-bit unsigned integers/);
    expect(() => rng.setState({ ...before, words: [0, 0, 0, 0] })).toThrow(/must not all be zero/);
    expect(() => rng.setState({ ...before, spareNormal: Number.NaN })).toThrow(/spareNormal/);
    expect(rng.getState()).toEqual(before);
  });
});
