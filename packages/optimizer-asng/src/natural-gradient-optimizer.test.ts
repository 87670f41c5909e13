import { categorical, continuous, integer, ProductDistribution, Rng } from '@asng/core/base';
import { GaussianDistribution } from '@asng/distribution-gaussian';
import { CategoricalDistribution } from '@asng/distribution-categorical';
import { describeDistribution, describeOptimizer } from '@asng/testing';
import { describe, expect, it } from 'vitest';
import { AdaptiveSng, Sng } from './natural-gradient.js';
import { createAsng, createSng } from './natural-gradient-optimizer.js';
import { SearchDistribution } from './variable-search.js';

const mixed = [
  categorical('op', ['conv3x3', 'conv5x5', 'pool', 'identity']),
  integer('channels', 16, 64),
  categorical('activation', ['relu', 'gelu']),
  continuous('dropout', 0, 0.5),
  categorical('fixed', ['only']),
];
const cells = Array.from({ length: 8 }, (_, i) => categorical(`v${i}`, ['a', 'b', 'c', 'd', 'e'].slice(0, 2 + (i % 4))));
const cellOptimum = Object.fromEntries(cells.map((v) => [v.name, v.choices[v.choices.length - 1]!]));

describeDistribution('SearchDistribution over mixed variables', () => new SearchDistribution(mixed));
describeOptimizer('asng, categorical', () => createAsng({ variables: cells, seed: 3 }), { optimum: cellOptimum, budget: 3000 });
describeOptimizer('asng, lambda = 5, categorical', () => createAsng({ variables: cells, seed: 4, lambda: 5 }), { optimum: cellOptimum, budget: 3000 });
describeOptimizer('asng, mixed categorical + integer + continuous', () => createAsng({ variables: mixed, seed: 5 }));
describeOptimizer('sng, categorical', () => createSng({ variables: cells, seed: 6 }), { optimum: cellOptimum, budget: 3000 });

describe('createAsng', () => {
  it('decodes labelled choices, rounded integers and clipped reals in declaration order', () => {
    const o = createAsng({ variables: mixed, seed: 1 });
    for (const c of o.ask()) {
      expect(Object.keys(c.architecture)).toEqual(mixed.map((v) => v.name));
      expect(['conv3x3', 'conv5x5', 'pool', 'identity']).toContain(c.architecture.op);
      expect(Number.isInteger(c.architecture.channels)).toBe(true);
      expect(c.architecture.dropout).toBeGreaterThanOrEqual(0);
      expect(c.architecture.dropout).toBeLessThanOrEqual(0.5);
      expect(c.architecture.fixed).toBe('only');
    }
  });

  it('searches a mixed space: categorical choices and the integer mean reach the optimum', () => {
    // Over five seeds, every run must find the categorical optimum and the integer one.
    let found = 0;
    for (let seed = 0; seed < 5; seed++) {
      const o = createAsng({ variables: mixed, seed });
      const noise = new Rng(100 + seed);
      for (let t = 0; t < 10_000; t++) {
        const c = o.ask();
        o.tell(
          c,
          c.map(
            ({ architecture: a }) =>
              (a.op === 'pool' ? 0 : 1) +
              (a.activation === 'gelu' ? 0 : 1) +
              Math.abs((a.channels as number) - 40) / 10 +
              (0.5 - (a.dropout as number)) +
              0.01 * noise.uniform(),
          ),
        );
      }
      const best = o.best();
      const belief = o.beliefs().find((b) => b.name === 'channels');
      if (best.op === 'pool' && best.activation === 'gelu' && Math.abs((best.channels as number) - 40) <= 1 && belief?.kind === 'integer' && belief.std < 2) {
        found++;
      }
    }
    expect(found).toBe(5);
  });

  it('adapts Delta: noise-free signal grows the step, pure noise shrinks it', () => {
    const signal = createAsng({ variables: cells, seed: 1 });
    const noisy = createAsng({ variables: cells, seed: 1 });
    const rng = new Rng(4);
    for (let t = 0; t < 30; t++) {
      const a = signal.ask();
      signal.tell(
        a,
        a.map((c) => Object.values(c.architecture).filter((v) => v === 'a').length + 1e-3 * rng.uniform()),
      );
      const b = noisy.ask();
      noisy.tell(
        b,
        b.map(() => rng.uniform()),
      );
    }
    expect(signal.stats().delta!).toBeGreaterThan(noisy.stats().delta!);
    expect(noisy.stats().Delta!).toBeGreaterThan(1);
  });

  it('convergence reaches 1 once decided under range restriction, so a loop on it ends', () => {
    // The README example: three categorical variables, the largest probability
    // is capped at 1 - 2/6 = 0.667 by range restriction.
    const variables = [categorical('a', ['x', 'y', 'z']), categorical('b', ['x', 'y', 'z']), categorical('c', ['x', 'y', 'z'])];
    const o = createAsng({ variables, seed: 2 });
    expect(o.stats().convergence).toBeCloseTo(1 / 3 / (2 / 3), 12);
    let t = 0;
    while (o.stats().convergence! < 0.99 && t < 5000) {
      const c = o.ask();
      o.tell(
        c,
        c.map(({ architecture }) => Object.values(architecture).filter((v) => v !== 'z').length),
      );
      t++;
    }
    expect(t).toBeLessThan(5000);
    expect(o.best()).toEqual({ a: 'z', b: 'z', c: 'z' });
    expect(Math.max(...o.distribution.categorical!.probabilities(0))).toBeLessThanOrEqual(2 / 3 + 1e-12);
    expect(o.stats().convergence).toBeLessThanOrEqual(1);
  });

  it('convergence without range restriction is the mean largest probability', () => {
    const o = createAsng({ variables: [categorical('a', ['x', 'y']), categorical('b', ['x', 'y', 'z', 'w'])], seed: 1, rangeRestriction: false });
    expect(o.stats().convergence).toBeCloseTo((1 / 2 + 1 / 4) / 2, 12);
  });

  it('skips the update on tied losses', () => {
    const o = createAsng({ variables: cells, seed: 1 });
    const before = JSON.stringify(o.getState().search);
    const c = o.ask();
    o.tell(c, [1, 1]);
    expect(o.lastUpdate()?.skipped).toBe('ties');
    expect(JSON.stringify(o.getState().search)).toBe(before);
  });

  it('refuses a state saved for other variables', () => {
    const a = createAsng({ variables: cells, seed: 1 });
    const b = createAsng({ variables: mixed, seed: 1 });
    expect(() => b.setState(a.getState())).toThrow(/another search space/);
  });

  it('names the candidate and the value of a non-finite loss', () => {
    const o = createAsng({ variables: mixed, seed: 1 });
    const c = o.ask();
    expect(() => o.tell(c, [0, Number.NaN])).toThrow(/loss of candidates\[1\] is NaN.*architecture/);
  });

  it('validates its options with clear errors', () => {
    expect(() => createAsng({ variables: cells, lambda: 1 })).toThrow(/lambda must be an integer >= 2, got 1/);
    expect(() => createAsng({ variables: cells, alpha: -1 })).toThrow(/alpha must be a positive/);
    expect(() => createAsng({ variables: cells, maxDelta: 0.5 })).toThrow(/maxDelta must be >= 1/);
    expect(() => createAsng({ variables: [] })).toThrow(/at least one variable/);
    expect(() => createAsng({ variables: [categorical('x', ['a', 'a'])] })).toThrow(/duplicate choice "a"/);
    expect(() => createAsng({ variables: [integer('n', 3, 3)] })).toThrow(/expected max > min/);
    expect(() => createAsng({ variables: [categorical('x', ['only'])] })).toThrow(/no free parameter/);
    expect(() => createSng({ variables: cells, delta: 0 })).toThrow(/delta must be a positive/);
    expect(() => createAsng({ variables: cells, seed: 1, rng: new Rng(1) })).toThrow(/either seed or rng/);
  });
});

describe('AdaptiveSng and Sng on a bare distribution', () => {
  it('move theta by exactly delta in Fisher norm (before range restriction)', () => {
    const dist = new CategoricalDistribution([5, 5, 5], { rangeRestriction: false });
    const sng = new Sng(dist, { delta: 0.05, fisherNormGuard: 0 });
    const before = dist.theta();
    const xs = dist.sample(2, new Rng(1));
    const report = sng.update(xs, [0, 1]);
    const g = dist.naturalGradient(xs, report.utilities);
    expect(report.epsilon * report.fisherNorm).toBeCloseTo(0.05, 12);
    const moved = dist.theta().map((t, j) => t - before[j]!);
    for (let j = 0; j < moved.length; j++) expect(moved[j]).toBeCloseTo(0, 0);
    expect(g.length).toBe(15);
  });

  it('AdaptiveSng state round-trips', () => {
    const a = new AdaptiveSng(new CategoricalDistribution([3, 4]));
    const rng = new Rng(2);
    for (let t = 0; t < 10; t++) a.update(a.distribution.sample(2, rng), [rng.uniform(), rng.uniform()]);
    const b = new AdaptiveSng(new CategoricalDistribution([3, 4]));
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.getState()).toEqual(a.getState());
    expect(() => b.setState({ ...a.getState(), s: [1] })).toThrow(/'s' must be an array of 5 finite numbers/);
    expect(b.getState()).toEqual(a.getState());
  });
});

describeDistribution(
  'ProductDistribution of categorical and Gaussian blocks',
  () => new ProductDistribution({ categorical: new CategoricalDistribution([3, 2]), gaussian: new GaussianDistribution([{ min: 0, max: 8 }]) }),
);
