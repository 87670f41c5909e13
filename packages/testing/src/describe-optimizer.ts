import { Rng, validateArchitecture, type Architecture, type Optimizer } from '@asng/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link describeOptimizer}. */
export interface DescribeOptimizerOptions {
  /**
   * A known optimum for the convergence check: the suite minimises the number
   * of variables that differ from it (plus the distance for numeric ones) and
   * expects `best()` to reach it within `budget` ask/tell rounds. Omit to skip
   * the check (for optimizers that are not meant to converge).
   */
  readonly optimum?: Architecture;
  /** Ask/tell rounds allowed to reach `optimum`. @default 2000 */
  readonly budget?: number;
  /** Seed of the noise the suite adds to losses. @default 777 */
  readonly seed?: number;
}

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function distance(architecture: Architecture, optimum: Architecture): number {
  let d = 0;
  for (const [name, target] of Object.entries(optimum)) {
    const value = architecture[name];
    d += typeof target === 'number' && typeof value === 'number' ? Math.abs(value - target) : value === target ? 0 : 1;
  }
  return d;
}

/**
 * The conformance suite of the {@link Optimizer} contract: valid candidates,
 * argument checks, NaN rejection without a state change, exact resume from a
 * JSON state (the same candidates and the same updates afterwards), beliefs
 * and, optionally, convergence to a known optimum.
 *
 * ```ts
 * describeOptimizer('asng', () => createAsng({ variables, seed: 1 }), { optimum });
 * ```
 *
 * @param create - makes a fresh optimizer; two calls must give identical optimizers (same seed).
 */
export function describeOptimizer<S>(name: string, create: () => Optimizer<S>, options: DescribeOptimizerOptions = {}): void {
  const seed = options.seed ?? 777;

  describe(`Optimizer conformance: ${name}`, () => {
    it('asks for populationSize valid candidates', () => {
      const o = create();
      expect(Number.isInteger(o.populationSize) && o.populationSize >= 1).toBe(true);
      const candidates = o.ask();
      expect(candidates).toHaveLength(o.populationSize);
      for (const c of candidates) validateArchitecture(o.variables, c.architecture);
      validateArchitecture(o.variables, o.best());
    });

    it('reports one belief per variable', () => {
      const o = create();
      const beliefs = o.beliefs();
      expect(beliefs.map((b) => b.name)).toEqual(o.variables.map((v) => v.name));
      for (const b of beliefs) {
        if (b.kind === 'categorical') {
          expect(b.probabilities.reduce((a, p) => a + p, 0)).toBeCloseTo(1, 9);
          expect(b.probabilities).toHaveLength(b.choices.length);
        } else {
          expect(Number.isFinite(b.mean) && b.std >= 0).toBe(true);
        }
      }
      for (const v of Object.values(o.stats())) expect(Number.isFinite(v)).toBe(true);
    });

    it('rejects a NaN or infinite loss and a wrong number of losses, changing nothing', () => {
      const o = create();
      const candidates = o.ask();
      const afterAsk = JSON.stringify(o.getState());
      const losses = candidates.map((_, i) => i);
      losses[0] = Number.NaN;
      expect(() => o.tell(candidates, losses)).toThrow(RangeError);
      losses[0] = Infinity;
      expect(() => o.tell(candidates, losses)).toThrow(RangeError);
      expect(() => o.tell(candidates, losses.slice(1))).toThrow();
      expect(JSON.stringify(o.getState())).toBe(afterAsk);
    });

    it('resumes exactly from a JSON state', () => {
      const noise = new Rng(seed);
      const a = create();
      for (let t = 0; t < 20; t++) {
        const c = a.ask();
        a.tell(
          c,
          c.map((_, i) => i + noise.uniform()),
        );
      }
      const saved = roundTrip(a.getState());
      const noiseState = noise.getState();
      const b = create();
      b.setState(saved);
      const noiseB = Rng.fromState(noiseState);
      for (let t = 0; t < 20; t++) {
        const ca = a.ask();
        const cb = b.ask();
        expect(cb.map((c) => c.architecture)).toEqual(ca.map((c) => c.architecture));
        const la = ca.map((_, i) => i + noise.uniform());
        const lb = cb.map((_, i) => i + noiseB.uniform());
        a.tell(ca, la);
        b.tell(cb, lb);
      }
      expect(roundTrip(b.getState())).toEqual(roundTrip(a.getState()));
      expect(b.best()).toEqual(a.best());
    });

    it('rejects a state of another kind with a TypeError and keeps its own', () => {
      const o = create();
      const before = JSON.stringify(o.getState());
      expect(() => o.setState({ kind: 'no-such-optimizer' })).toThrow(TypeError);
      expect(JSON.stringify(o.getState())).toBe(before);
    });

    if (options.optimum !== undefined) {
      const optimum = options.optimum;
      it('finds a known optimum', () => {
        const o = create();
        validateArchitecture(o.variables, optimum);
        const noise = new Rng(seed + 1);
        const budget = options.budget ?? 2000;
        let t = 0;
        for (; t < budget && distance(o.best(), optimum) > 0; t++) {
          const c = o.ask();
          o.tell(
            c,
            c.map((x) => distance(x.architecture, optimum) + 0.1 * noise.uniform()),
          );
        }
        expect(o.best()).toEqual(optimum);
      });
    }
  });
}
