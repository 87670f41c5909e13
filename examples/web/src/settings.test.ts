import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings, settingsToValues } from './settings.js';

describe('parseSettings', () => {
  it('gives the defaults for an empty form, and reads back what settingsToValues wrote', () => {
    expect(parseSettings({})).toEqual({ ok: true, settings: DEFAULT_SETTINGS });
    const custom = { ...DEFAULT_SETTINGS, steps: 500, learningRate: 0.1, seed: 7 };
    expect(parseSettings(settingsToValues(custom))).toEqual({ ok: true, settings: custom });
  });

  it('names every bad field with the reason', () => {
    const result = parseSettings({ cells: '0', channels: 'eight', steps: '10.5', learningRate: '2', space: 'nas-bench' });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => e.field).sort()).toEqual(['cells', 'channels', 'learningRate', 'space', 'steps']);
    expect(errors.find((e) => e.field === 'cells')?.message).toBe('Cells: expected 1 to 12, got 0.');
    expect(errors.find((e) => e.field === 'channels')?.message).toBe('Channels: "eight" is not a number.');
    expect(errors.find((e) => e.field === 'steps')?.message).toBe('Steps: expected a whole number, got 10.5.');
  });

  it('checks the fields against each other', () => {
    const warm = parseSettings({ steps: '50', warmupSteps: '50' });
    expect(warm.ok ? [] : warm.errors.map((e) => e.field)).toEqual(['warmupSteps']);
    const batch = parseSettings({ batchSize: '64', maxExamples: '100' });
    expect(batch.ok ? '' : batch.errors[0]!.message).toMatch(/Batch size \(64\) must fit twice in the training images \(100\)/);
    expect(parseSettings({ batchSize: '50', maxExamples: '100' }).ok).toBe(true);
  });
});
