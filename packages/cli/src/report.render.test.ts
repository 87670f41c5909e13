import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderReport, type RunRecord } from './report.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

function run(): RunRecord {
  const steps = Array.from({ length: 40 }, (_, i) => ({
    type: 'step' as const,
    step: i + 1,
    totalSteps: 40,
    epoch: Math.floor(i / 10),
    learningRate: 0.025 * (1 + Math.cos((Math.PI * i) / 40)) * 0.5,
    trainLoss: 2.3 * Math.exp(-i / 15),
    validationLosses: [2.4 * Math.exp(-i / 15), 2.5 * Math.exp(-i / 14)],
    gradientNorm: 1,
    optimizer: { delta: 1 / (1 + i / 10), convergence: 0.4 + i / 80 },
    imagesPerSecond: 500,
    seconds: i * 0.5,
  }));
  const epochs = Array.from({ length: 4 }, (_, e) => ({
    type: 'epoch' as const,
    epoch: e,
    step: (e + 1) * 10,
    best: { op: 'sep3x3', width: 32 },
    metrics: { accuracy: 0.5 + e * 0.1 },
    beliefs: [
      { kind: 'categorical' as const, name: 'op', choices: ['identity', 'sep3x3', 'maxpool'], probabilities: [0.33 - e * 0.1, 0.34 + e * 0.2, 0.33 - e * 0.1] },
      { kind: 'integer' as const, name: 'width', mean: 24 + e * 2, std: 8 - e },
    ],
    seconds: (e + 1) * 5,
  }));
  return {
    runDir: 'runs/demo',
    settings: { space: 'demo' },
    steps,
    epochs,
    best: { op: 'sep3x3', width: 32 },
    description: { text: 'demo architecture' },
    metrics: { accuracy: 0.8 },
  };
}

describe.skipIf(chromium === undefined)('the HTML report in a headless browser', () => {
  it('renders its charts and heat map (screenshot is neither blank nor missing the heat map colours)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-render-'));
    try {
      const page = join(dir, 'report.html');
      const png = join(dir, 'shot.png');
      writeFileSync(page, renderReport(run()));
      execFileSync(
        chromium!,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${join(dir, 'profile')}`,
          '--window-size=1000,2600',
          `--screenshot=${png}`,
          `file://${page}`,
        ],
        { stdio: 'pipe', timeout: 60_000 },
      );
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(1000);
      let dark = 0;
      let blue = 0;
      let red = 0;
      for (let i = 0; i < data.length; i += 3) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (r + g + b < 200) dark++;
        if (b > 200 && r < 140 && g < 140) blue++;
        if (r > 180 && g < 110 && b < 120) red++;
      }
      expect(dark).toBeGreaterThan(2000); // text and axes
      expect(blue).toBeGreaterThan(300); // heat-map cells near probability 1
      expect(red).toBeGreaterThan(50); // the training-loss curve
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
