import { describe, expect, it } from 'vitest';
import { settingsTable } from './report-figures.js';

describe('settingsTable', () => {
  it("groups the engine's, the CLI's and the machine's settings, one fact per row, every value escaped", () => {
    const html = settingsTable(
      {
        space: 'image-classification',
        config: {
          seed: 1,
          batchSize: 64,
          optimizer: 'sgd',
          learningRate: 0.05,
          environment: { backend: 'wasm', '@tensorflow/tfjs-core': '4.22.0' },
          dataFingerprint: { name: 'mnist' },
          odd: '<b>',
        },
      },
      { space: 'image-classification', spaceOptions: { cells: 3 }, optimizer: 'asng', lambda: 2 },
      { threads: 2 },
    );
    const groups = [...html.matchAll(/<tr class="group"><th colspan="2">([^<]*)<\/th><\/tr>/g)].map((m) => m[1]);
    expect(groups).toEqual(['search', 'data', 'architecture optimizer', 'weight training', 'machine', 'other']);
    expect(html).toContain('<tr><th>space option cells</th><td>3</td></tr>');
    expect(html).toContain('<tr><th>optimizer</th><td>asng</td></tr><tr><th>lambda</th><td>2</td></tr>');
    expect(html).toContain('<tr><th>optimizer</th><td>sgd</td></tr>');
    expect(html).toContain('<tr><th>@tensorflow/tfjs-core</th><td>4.22.0</td></tr>');
    expect(html).toContain('<tr><th>data name</th><td>mnist</td></tr>');
    expect(html).toContain('<tr><th>threads</th><td>2</td></tr>');
    expect(html).toContain('<td>&lt;b&gt;</td>');
  });

  it('says when the machine was not recorded', () => {
    expect(settingsTable({ space: 's' }, undefined, {})).toContain('<tr><th>backend</th><td>not recorded by the search</td></tr>');
  });
});
