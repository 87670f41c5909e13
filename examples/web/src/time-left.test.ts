import { describe, expect, it } from 'vitest';
import { estimateSecondsLeft, formatDuration } from './time-left.js';

describe('estimateSecondsLeft', () => {
  it('is unknown before two steps, zero at the end', () => {
    expect(estimateSecondsLeft([], 10)).toBeUndefined();
    expect(estimateSecondsLeft([{ step: 1, seconds: 3 }], 10)).toBeUndefined();
    expect(estimateSecondsLeft([{ step: 10, seconds: 30 }], 10)).toBe(0);
  });

  it('uses the recent pace, not the slow first steps', () => {
    // Step 1 took 10 s (kernel compilation), then 0.5 s a step.
    const times = [{ step: 1, seconds: 10 }, ...Array.from({ length: 40 }, (_, i) => ({ step: i + 2, seconds: 10 + 0.5 * (i + 1) }))];
    expect(estimateSecondsLeft(times, 100, { window: 20 })).toBeCloseTo(0.5 * (100 - 41), 10);
  });

  it('paces by the steps after the warm-up once two are known, since those also validate', () => {
    const warm = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, seconds: 0.2 * (i + 1) }));
    const later = [11, 12, 13].map((step) => ({ step, seconds: 2 + 0.6 * (step - 10) }));
    expect(estimateSecondsLeft([...warm, ...later], 20, { warmupSteps: 10 })).toBeCloseTo(0.6 * 7, 10);
    // Within the warm-up, its own pace is all there is.
    expect(estimateSecondsLeft(warm.slice(0, 5), 20, { warmupSteps: 10 })).toBeCloseTo(0.2 * 15, 10);
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds', () => {
    expect(formatDuration(undefined)).toBe('…');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });
});
