import { describe, expect, it } from 'vitest';
import { runToy } from './toy.js';

describe('toy problem', () => {
  it('ASNG reaches the target loss 1/K', () => {
    const result = runToy({ seed: 1 });
    expect(result.converged).toBe(true);
    expect(result.bestLoss).toBeLessThanOrEqual(0.2);
    expect(result.iterations).toBeLessThan(100_000);
  });

  it('is reproducible from its seed', () => {
    const a = runToy({ seed: 3, iterations: 500 });
    const b = runToy({ seed: 3, iterations: 500 });
    expect({ ...b, seconds: 0 }).toEqual({ ...a, seconds: 0 });
    expect(runToy({ seed: 4, iterations: 500 }).bestLoss).not.toBe(a.bestLoss);
  });

  it('stops at the budget without converging when the budget is too small', () => {
    const result = runToy({ seed: 0, iterations: 10 });
    expect(result).toMatchObject({ converged: false, iterations: 10 });
  });

  it('runs SNG as the baseline', () => {
    const result = runToy({ seed: 1, optimizer: 'sng', dimensions: 10, iterations: 20_000 });
    expect(result.converged).toBe(true);
  });

  it('reports progress', () => {
    const seen: number[] = [];
    runToy({ seed: 0, iterations: 30, progressEvery: 10, onProgress: (p) => seen.push(p.iteration) });
    expect(seen).toEqual([1, 10, 20, 30]);
  });

  it('validates its options', () => {
    expect(() => runToy({ choices: 1 })).toThrow(/choices: expected an integer >= 2, got 1/);
    expect(() => runToy({ iterations: 0.5 })).toThrow(/iterations/);
  });
});
