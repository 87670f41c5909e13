import { describe, expect, it } from 'vitest';
import type { Distribution, DistributionState } from './distribution.js';
import { ProductDistribution } from './distribution.js';
import { Rng, type RandomSource } from './rng.js';

/** A user-written distribution: independent Bernoullis with theta = P(x = 1). */
class Bernoulli implements Distribution<Uint8Array> {
  readonly freeParameters: number;
  readonly thetaLength: number;
  p: Float64Array;
  constructor(size: number) {
    this.p = new Float64Array(size).fill(0.5);
    this.freeParameters = size;
    this.thetaLength = size;
  }
  theta() {
    return this.p.slice();
  }
  sample(count: number, rng: RandomSource) {
    return Array.from({ length: count }, () => Uint8Array.from(this.p, (p) => (rng.uniform() < p ? 1 : 0)));
  }
  mostLikely() {
    return Uint8Array.from(this.p, (p) => (p > 0.5 ? 1 : 0));
  }
  sufficientStatistics(x: Uint8Array) {
    return Float64Array.from(x);
  }
  naturalGradient(samples: readonly Uint8Array[], w: ArrayLike<number>, out?: Float64Array) {
    const g = out ?? new Float64Array(this.thetaLength);
    g.fill(0);
    samples.forEach((x, k) => x.forEach((v, i) => (g[i]! += (w[k]! * (v - this.p[i]!)) / samples.length)));
    return g;
  }
  fisherSqrt(g: Float64Array, out?: Float64Array) {
    const v = out ?? new Float64Array(this.freeParameters);
    g.forEach((x, i) => (v[i] = x / Math.sqrt(this.p[i]! * (1 - this.p[i]!))));
    return v;
  }
  step(g: Float64Array, e: number) {
    g.forEach((x, i) => (this.p[i]! += e * x));
  }
  restrictRange() {
    this.p = this.p.map((p) => Math.min(Math.max(p, 0.05), 0.95));
  }
  getState(): DistributionState {
    return { kind: 'bernoulli', p: Array.from(this.p) };
  }
  setState(state: DistributionState) {
    if (state.kind !== 'bernoulli' || !Array.isArray(state.p) || state.p.length !== this.p.length) throw new TypeError('bad bernoulli state');
    this.p = Float64Array.from(state.p as number[]);
  }
}

describe('ProductDistribution', () => {
  const make = () => new ProductDistribution({ a: new Bernoulli(2), b: new Bernoulli(3) });

  it('concatenates sizes, theta and statistics in block order', () => {
    const d = make();
    expect(d.thetaLength).toBe(5);
    expect(d.freeParameters).toBe(5);
    const [x] = d.sample(1, new Rng(1));
    expect(x!.a).toHaveLength(2);
    expect(x!.b).toHaveLength(3);
    expect(Array.from(d.sufficientStatistics(x!))).toEqual([...x!.a, ...x!.b]);
  });

  it('splits gradients and steps across blocks, into a given output or a new one', () => {
    const d = make();
    const xs = d.sample(2, new Rng(2));
    const g = d.naturalGradient(xs, [1, -1]);
    const out = new Float64Array(5);
    expect(d.naturalGradient(xs, [1, -1], out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(g));
    const v = d.fisherSqrt(g);
    expect(Array.from(v)).toEqual(Array.from(g, (x) => x / 0.5));
    d.step(g, 1);
    expect(Array.from(d.theta())).toEqual(Array.from(g, (x) => 0.5 + x));
    expect(() => d.fisherSqrt(g, new Float64Array(4))).toThrow(/length 5, got 4/);
  });

  it('restores its state all or nothing', () => {
    const d = make();
    const xs = d.sample(2, new Rng(3));
    d.step(d.naturalGradient(xs, [1, -1]), 0.5);
    const state = JSON.parse(JSON.stringify(d.getState()));
    const e = make();
    e.setState(state);
    expect(Array.from(e.theta())).toEqual(Array.from(d.theta()));
    const before = Array.from(e.theta());
    const broken = { kind: 'product', blocks: { a: { kind: 'bernoulli', p: [0.1, 0.2] }, b: { kind: 'bernoulli', p: [1] } } };
    expect(() => e.setState(broken)).toThrow(/bad bernoulli state/);
    expect(Array.from(e.theta())).toEqual(before);
    expect(() => e.setState({ kind: 'product', blocks: { a: state.blocks.a } })).toThrow(/missing block 'b'/);
  });
});
