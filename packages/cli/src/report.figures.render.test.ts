import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Architecture, SearchSpace, VariableBelief } from '@asng/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHITECTURE_FILE, buildReport } from './report.js';
import { loadSpace, type SpaceOptions } from './spaces.js';

/*
 * A classification report (a 40,000-step search, compared by the quality
 * benchmark) and an inpainting report (a 3-step search, retrained and
 * compared), built from run directories by buildReport as `asng report`
 * does, then rendered in headless Chromium: every figure must lay out with a
 * size and drawn marks. With ASNG_SCREENSHOT_DIR set, a screenshot of each
 * report is saved there (docs/ holds the committed ones).
 */

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Beliefs that move from uniform towards `best` over the epochs. */
function beliefsAt(space: SearchSpace, best: Architecture, t: number): VariableBelief[] {
  return space.variables.map((v) => {
    if (v.kind === 'categorical') {
      const n = v.choices.length;
      return {
        kind: 'categorical',
        name: v.name,
        choices: v.choices,
        probabilities: v.choices.map((c) => (c === best[v.name] ? 1 / n + t * (1 - 1 / n) * 0.9 : (1 - 1 / n - t * (1 - 1 / n) * 0.9) / (n - 1))),
      };
    }
    const target = Number(best[v.name]);
    return { kind: v.kind, name: v.name, mean: (v.min + v.max) / 2 + t * (target - (v.min + v.max) / 2), std: ((v.max - v.min) / 4) * (1 - 0.8 * t) };
  });
}

async function writeRun(
  dir: string,
  spec: string,
  spaceOptions: SpaceOptions,
  best: (space: SearchSpace) => Architecture,
  steps: number,
  epochs: number,
  metrics: (t: number) => Record<string, number>,
) {
  mkdirSync(dir, { recursive: true });
  const space = await loadSpace(spec, spaceOptions);
  const arch = best(space);
  const lines: string[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const loss = 2.3 * Math.exp(-6 * t) + 0.02 + 0.05 * Math.abs(Math.sin(i * 12.9898));
    lines.push(
      JSON.stringify({
        type: 'step',
        step: i,
        totalSteps: steps,
        epoch: Math.min(epochs - 1, Math.floor((t - 1e-9) * epochs)),
        learningRate: 0.025 * 0.5 * (1 + Math.cos(Math.PI * t)),
        trainLoss: loss,
        validationLosses: [loss * 1.1, loss * 1.2],
        gradientNorm: 1,
        optimizer: { delta: 1 / (1 + 5 * t), convergence: 0.3 + 0.6 * t },
        imagesPerSecond: 420,
        seconds: i * 0.1,
      }),
    );
  }
  for (let e = 0; e < epochs; e++) {
    const t = (e + 1) / epochs;
    lines.push(
      JSON.stringify({
        type: 'epoch',
        epoch: e,
        step: Math.round(t * steps),
        best: arch,
        metrics: metrics(t),
        beliefs: beliefsAt(space, arch, t),
        seconds: t * steps * 0.1,
      }),
    );
  }
  writeFileSync(join(dir, 'log.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      space: space.name,
      dataset: 'fashion-mnist-subset',
      config: { seed: 1, batchSize: 64, epochs, learningRate: 0.025, optimizer: 'sgd', momentum: 0.9, warmupSteps: 0, steps },
    }),
  );
  writeFileSync(join(dir, 'cli.json'), JSON.stringify({ space: spec, spaceOptions, dataset: 'fashion-mnist-subset', optimizer: 'asng', lambda: 2 }));
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ best: arch, description: space.describe(arch), metrics: metrics(1) }));
}

/** Sizes and mark counts of every figure, as Chromium lays them out (a probe script added to a copy of the page). */
function layOut(html: string, dir: string): { figure: string; width: number; height: number; marks: number }[] {
  const probe = `<script>addEventListener('load',()=>{const f=[...document.querySelectorAll('svg[data-figure]')].map(s=>{const r=s.getBoundingClientRect();return{figure:s.dataset.figure,width:r.width,height:r.height,marks:s.querySelectorAll('rect,path,polyline,polygon,circle,line').length}});const p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify(f);document.body.append(p)})</script>`;
  const page = join(dir, 'probe.html');
  writeFileSync(page, html.replace('</body>', `${probe}</body>`));
  const dom = execFileSync(chromium!, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${page}`], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const json = /<pre id="probe">([^<]*)<\/pre>/.exec(dom)?.[1];
  expect(json, 'the probe ran').toBeDefined();
  return JSON.parse(json!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--window-size=1040,6000',
];

async function screenshot(html: string, dir: string, name: string): Promise<{ data: Buffer; channels: number }> {
  const page = join(dir, 'report.html');
  const png = join(dir, 'shot.png');
  writeFileSync(page, html);
  execFileSync(chromium!, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${png}`, `file://${page}`], { stdio: 'pipe', timeout: 60_000 });
  const trimmed = await sharp(png).removeAlpha().trim({ background: '#ffffff', threshold: 4 }).toBuffer();
  const out = process.env.ASNG_SCREENSHOT_DIR;
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    await sharp(trimmed)
      .resize({ width: 760 })
      .png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 })
      .toFile(join(out, `report-${name}.png`));
  }
  const { data, info } = await sharp(trimmed).raw().toBuffer({ resolveWithObject: true });
  return { data, channels: info.channels };
}

const count = (shot: { data: Buffer; channels: number }, rgb: readonly [number, number, number], tolerance = 12) => {
  let n = 0;
  for (let i = 0; i < shot.data.length; i += shot.channels) {
    if (Math.abs(shot.data[i]! - rgb[0]) <= tolerance && Math.abs(shot.data[i + 1]! - rgb[1]) <= tolerance && Math.abs(shot.data[i + 2]! - rgb[2]) <= tolerance)
      n++;
  }
  return n;
};

describe.skipIf(chromium === undefined)('reports in a headless browser', () => {
  it('a classification search of 40,000 steps with the quality benchmark beside it', { timeout: 240_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'asng-report-cls-'));
    dirs.push(root);
    const runDir = join(root, 'search-seed1');
    const pick = (space: SearchSpace): Architecture =>
      Object.fromEntries(space.variables.map((v, i) => [v.name, v.kind === 'categorical' ? v.choices[(i * 7 + 3) % v.choices.length]! : v.min]));
    await writeRun(runDir, 'image-classification', { cells: 3, channels: 8 }, pick, 40_000, 12, (t) => ({ accuracy: 0.5 + 0.35 * t, loss: 1.4 - t }));
    const architecture = (i: number) => ({ seed: 1, index: i, metric: 0.86 + 0.01 * Math.sin(i), parameters: 59_000 + i * 100 });
    writeFileSync(
      join(root, 'quality.json'),
      JSON.stringify({
        task: 'classification',
        budget: 'standard',
        found: [{ ...architecture(0), metric: 0.8977, convergence: 0.7 }],
        random: [0, 1, 2, 3, 4].map(architecture),
        backend: 'wasm',
        threads: 2,
      }),
    );
    const { html, architectureSvg } = await buildReport(runDir);
    expect(architectureSvg).toContain('normal cell');
    expect(html).toContain('Found against others');
    writeFileSync(join(runDir, ARCHITECTURE_FILE), architectureSvg!);

    const figures = layOut(html, root);
    const kinds = figures.map((f) => f.figure);
    expect(kinds.filter((k) => k === 'architecture')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'chart').length).toBeGreaterThanOrEqual(6); // loss, accuracy, loss metric, learning rate, convergence, delta
    expect(kinds).toEqual(expect.arrayContaining(['heat-map', 'heat-map-evolution', 'strip-plot']));
    for (const f of figures) {
      expect(f.width, f.figure).toBeGreaterThan(100);
      expect(f.height, f.figure).toBeGreaterThan(60);
      expect(f.marks, f.figure).toBeGreaterThan(3);
    }
    const shot = await screenshot(html, root, 'classification');
    expect(count(shot, [205, 228, 247])).toBeGreaterThan(2000); // the cells' nodes
    expect(count(shot, [243, 236, 176])).toBeGreaterThan(500); // their outputs c_{k}
    expect(count(shot, [8, 69, 148], 20)).toBeGreaterThan(2000); // heat-map cells near probability 1
    expect(count(shot, [209, 73, 91], 20)).toBeGreaterThan(200); // training loss, found dot
  });

  it('an inpainting search of 3 steps, retrained and compared with random architectures and a baseline', { timeout: 240_000 }, async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'asng-report-inp-'));
    dirs.push(runDir);
    const chain = (space: SearchSpace): Architecture =>
      Object.fromEntries(
        space.variables.map((v) => {
          const node = Number(/^node(\d+)/.exec(v.name)?.[1] ?? 10);
          if (v.name.endsWith('.input')) return [v.name, node === 0 ? 'input' : node === 10 ? 'node8' : `node${Math.max(0, node - 2)}`];
          if (v.name.endsWith('.type')) return [v.name, node % 4 === 0 ? 'skip' : 'down'];
          if (v.kind === 'categorical') return [v.name, v.choices[0]!];
          return [v.name, v.name.endsWith('kernelIndex') ? 1 + (node % 3) : v.min + ((node * 8) % (v.max - v.min + 1))];
        }),
      );
    await writeRun(runDir, 'inpainting', { encoding: 'mixed', nodes: 10, levelBack: 3 }, chain, 3, 3, (t) => ({
      psnr: 12 + 9 * t,
      ssim: 0.3 + 0.4 * t,
      mse: 0.06 - 0.04 * t,
    }));
    writeFileSync(
      join(runDir, 'retrain.json'),
      JSON.stringify({ test: { psnr: 22.4, ssim: 0.74, mse: 0.0058 }, trainableParameters: 39_800, epochs: 1, split: 'test', backend: 'wasm' }),
    );
    writeFileSync(
      join(runDir, 'comparison.json'),
      JSON.stringify({
        metric: 'test PSNR (dB)',
        higherIsBetter: true,
        protocol: 'Each retrained alike for 1 epoch within 40,000 weights; the whole test split.',
        entries: [
          { label: 'found', value: 22.4, parameters: 39_800, found: true },
          ...[21.1, 22.9, 20.3, 21.7].map((value, i) => ({ label: `random ${i}`, value, parameters: 39_000 + i * 200 })),
          { label: 'hand-written autoencoder', value: 21.9, parameters: 39_500 },
        ],
      }),
    );
    const { html, architectureSvg } = await buildReport(runDir);
    expect(architectureSvg).toContain('encoder');
    const figures = layOut(html, runDir);
    const kinds = figures.map((f) => f.figure);
    expect(kinds.filter((k) => k === 'architecture')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'chart').length).toBeGreaterThanOrEqual(7); // loss, PSNR, SSIM, MSE, learning rate, convergence, delta
    expect(kinds).toEqual(expect.arrayContaining(['heat-map', 'heat-map-evolution', 'numeric-beliefs', 'strip-plot']));
    for (const f of figures) {
      expect(f.width, f.figure).toBeGreaterThan(100);
      expect(f.height, f.figure).toBeGreaterThan(60);
      expect(f.marks, f.figure).toBeGreaterThan(3);
    }
    expect(html).toContain('PSNR of the most likely architecture (held-out batches) (dB)');
    const shot = await screenshot(html, runDir, 'inpainting');
    expect(count(shot, [255, 220, 176])).toBeGreaterThan(2000); // down nodes
    expect(count(shot, [207, 232, 207])).toBeGreaterThan(500); // the input
    expect(count(shot, [8, 69, 148], 20)).toBeGreaterThan(300); // heat-map cells near probability 1
  });
});
