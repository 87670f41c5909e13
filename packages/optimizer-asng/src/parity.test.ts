import { describe, expect, it } from 'vitest';
import { replayVectors } from '../test/replay.js';

describe('parity with the authors\u2019 code (shared/vectors)', () => {
  const result = replayVectors();

  it('replays every step of every run', () => {
    expect(result.steps).toBe(240);
  });

  it('reproduces the ranking utility exactly', () => {
    expect(result.utilityMaxError).toBe(0);
  });

  it('reproduces theta, s, gamma and Delta of every step to 1e-6 (relative)', () => {
    const worst = result.perStep.filter((p) => Math.max(p.errors.theta!, p.errors.s!, p.errors.gamma!, p.errors.Delta!) > 1e-6);
    expect(worst).toEqual([]);
    expect(result.maxRelError).toBeLessThanOrEqual(1e-6);
  });

  it('reproduces delta and epsilon of every step', () => {
    expect(result.maxStepSizeError).toBeLessThanOrEqual(1e-6);
  });
});
