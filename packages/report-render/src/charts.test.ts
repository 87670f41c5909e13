import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downsample } from './downsample.js';
import { numericBeliefPlot, pickEvenly, probabilityEvolution, probabilityHeatMap } from './heat-map.js';
import { lineChart } from './line-chart.js';
import { stripPlot } from './strip-plot.js';
import { linearAxis, logAxis, spansDecades } from './ticks.js';

const labels = (axis: { ticks: readonly { label: string }[] }) => axis.ticks.map((t) => t.label);

describe('axes', () => {
  it('gives whole-number ticks once each on a short epoch axis', () => {
    expect(labels(linearAxis(0, 2, { integer: true }))).toEqual(['0', '1', '2']);
    expect(labels(linearAxis(1, 3, { integer: true }))).toEqual(['1', '2', '3']);
    expect(labels(linearAxis(0, 0, { integer: true }))).toEqual(['0']);
    expect(labels(linearAxis(1, 40_000, { integer: true }))).toEqual(['0', '10,000', '20,000', '30,000', '40,000']);
  });

  it('gives nice linear ticks with the decimals of their step', () => {
    expect(labels(linearAxis(0.12, 0.87))).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(labels(linearAxis(7.3, 29.8))).toEqual(['5', '10', '15', '20', '25', '30']);
  });

  it('switches to log scale when positive values span two decades', () => {
    expect(spansDecades([2.3, 0.01])).toBe(true);
    expect(spansDecades([2.3, 0.5])).toBe(false);
    expect(spansDecades([2.3, 0])).toBe(false);
    expect(labels(logAxis(0.004, 2.3))).toEqual(['0.001', '0.01', '0.1', '1', '10']);
    expect(labels(logAxis(0.05, 0.9))).toEqual(['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1']);
  });
});

describe('downsample', () => {
  it('keeps short series point for point', () => {
    expect(
      downsample([
        [1, 2],
        [2, Number.NaN],
        [3, 4],
      ]),
    ).toEqual([
      { x: 1, mean: 2, min: 2, max: 2, count: 1 },
      { x: 3, mean: 4, min: 4, max: 4, count: 1 },
    ]);
  });

  it('averages a 40,000-step log into at most max buckets that keep its extremes', () => {
    const points = Array.from({ length: 40_000 }, (_, i) => [i + 1, i % 2 === 0 ? 1 : 3] as const);
    const buckets = downsample(points, 300);
    expect(buckets.length).toBeLessThanOrEqual(300);
    expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(40_000);
    expect(buckets.at(-1)!.x).toBe(40_000);
    expect(buckets.every((b) => b.min === 1 && b.max === 3 && b.mean === 2)).toBe(true);
  });
});

describe('lineChart', () => {
  it('draws a 3-step run as points with hover values and no repeated tick', () => {
    const svg = lineChart({
      title: 'PSNR',
      unit: 'dB',
      xLabel: 'epoch',
      series: [
        {
          name: 'psnr',
          points: [
            [0, 12.5],
            [1, 17],
            [2, 21.25],
          ],
        },
      ],
    });
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('<title>psnr, epoch 2: 21.25 dB</title>');
    expect(svg).toContain('PSNR (dB)');
    const xLabels = [...svg.matchAll(/text-anchor="middle" fill="#333">(\d+)<\/text>/g)].map((m) => m[1]);
    expect(xLabels).toEqual(['0', '1', '2']);
  });

  it('draws a 40,000-step log as a line of bucket means with a band, on a log scale when the loss spans decades', () => {
    const points = Array.from({ length: 40_000 }, (_, i) => [i + 1, 2.3 * Math.exp(-i / 5000)] as const);
    const svg = lineChart({ title: 'Loss', xLabel: 'step', series: [{ name: 'training', points }] });
    expect(svg).toContain('<polygon');
    expect(svg).toContain('log-scale y');
    expect(svg).not.toContain('<circle');
    expect(svg.match(/<polyline[^>]*points="([^"]*)"/)![1]!.split(' ').length).toBeLessThanOrEqual(300);
    expect(svg.length).toBeLessThan(60_000);
  });

  it('says when there is nothing to draw, and escapes its texts', () => {
    expect(lineChart({ title: 'a<b', xLabel: 'x', series: [{ name: 's', points: [[1, Number.NaN]] }] })).toContain('no data yet');
    expect(lineChart({ title: 'a<b', xLabel: 'x', series: [] })).toContain('a&lt;b');
  });
});

describe('heat maps', () => {
  const beliefs = [
    { kind: 'categorical' as const, name: 'normal.node0.op1', choices: ['identity', 'sep<3x3>'], probabilities: [0.2, 0.8] },
    { kind: 'integer' as const, name: 'node0.channels', mean: 12, std: 2 },
  ];

  it('labels each choice with its probability, outlines the most likely one, shows the value on hover', () => {
    const svg = probabilityHeatMap(beliefs);
    expect(svg).toContain('<title>normal.node0.op1 = sep&lt;3x3&gt;: 0.8000</title>');
    expect(svg).toContain('>0.80</text>');
    expect(svg.match(/stroke="#d1495b"/g)).toHaveLength(1);
    expect(probabilityHeatMap([beliefs[1]!])).toBe('');
  });

  it('draws the evolution as at most maxPanels small multiples, first and last included', () => {
    const snapshots = Array.from({ length: 50 }, (_, e) => ({ label: `epoch ${e}`, beliefs }));
    const svg = probabilityEvolution(snapshots, 6);
    expect(svg.match(/>epoch \d+<\/text>/g)).toHaveLength(6);
    expect(svg).toContain('>epoch 0<');
    expect(svg).toContain('>epoch 49<');
    expect(pickEvenly(3, 8)).toEqual([0, 1, 2]);
    expect(pickEvenly(50, 6)).toEqual([0, 10, 20, 29, 39, 49]);
  });

  it('draws numeric variables on their own scales', () => {
    const svg = numericBeliefPlot(beliefs, { 'node0.channels': [8, 32] });
    expect(svg).toContain('12 +/- 2  [8, 32]');
    expect(numericBeliefPlot([beliefs[0]!])).toBe('');
  });
});

describe('stripPlot', () => {
  it('draws one row per category, the found network highlighted, values on hover', () => {
    const svg = stripPlot({
      metric: 'test accuracy',
      higherIsBetter: true,
      entries: [
        { label: 'found', value: 0.9, category: 'found', highlight: true },
        { label: 'random 0', value: 0.88, category: 'random' },
        { label: 'random 1', value: 0.88, category: 'random' },
      ],
    });
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg.match(/fill="#d1495b"/g)).toHaveLength(1);
    expect(svg).toContain('<title>random 1: 0.88</title>');
    expect(svg).toContain('higher is better');
    expect(stripPlot({ metric: 'x', higherIsBetter: true, entries: [] })).toBe('');
  });
});

describe('the package', () => {
  it('runs in a browser: no node: import and no Node global in its sources', () => {
    const dir = import.meta.dirname;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:|require\(|\bprocess\.|\bBuffer\b/);
      expect(text.match(/from '([^.][^']*)'/g) ?? [], file).toEqual(text.match(/from '@asng\/core'/g) ?? []);
    }
  });
});
