import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture, ArchitectureDescription, VariableBelief } from '@asng/core';
import { runFiles, type EpochEvent, type StepEvent } from '@asng/engine';
import { pngDataUri } from './png.js';
import { readJsonFile } from './json-file.js';
import { readRestorations, type RestorationSet } from './restorations.js';

/** What a report is made of, read from a run directory. */
export interface RunRecord {
  readonly runDir: string;
  readonly settings: Record<string, unknown>;
  readonly steps: StepEvent[];
  readonly epochs: EpochEvent[];
  readonly best?: Architecture;
  readonly description?: ArchitectureDescription;
  readonly metrics?: Record<string, number>;
  readonly error?: { step: number; phase: string; loss: string; architecture: Architecture };
  /** Sample restorations of an image-to-image run (`restorations.json`), shown as image grids. */
  readonly restorations?: readonly RestorationSet[];
  /** The found architecture against others trained alike (`comparison.json`), when the run has such a comparison. */
  readonly comparison?: ComparisonRecord;
}

/** The file of a run directory that holds its {@link ComparisonRecord}. */
export const COMPARISON_FILE = 'comparison.json';

/**
 * The found architecture against others (random architectures, a
 * hand-written baseline) retrained alike and tested: written by whoever ran
 * the comparison as `comparison.json` in the run directory, shown by the report.
 */
export interface ComparisonRecord {
  /** What `value` measures, e.g. `'test accuracy'`. */
  readonly metric: string;
  readonly higherIsBetter: boolean;
  /** How the networks were trained and tested, in one sentence. */
  readonly protocol: string;
  readonly entries: readonly {
    readonly label: string;
    readonly value: number;
    readonly parameters: number;
    /** The search's architecture (highlighted). */
    readonly found?: boolean;
  }[];
}

/** Reads a run directory; throws naming the file that is missing or unreadable. */
export function readRun(runDir: string): RunRecord {
  const files = runFiles(runDir);
  if (!existsSync(files.log)) throw new Error(`${files.log}: missing; is ${runDir} a search run directory?`);
  const steps: StepEvent[] = [];
  const epochs: EpochEvent[] = [];
  let error: RunRecord['error'];
  readFileSync(files.log, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let entry: { type?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        throw new Error(`${files.log}: line ${i + 1} is not JSON`);
      }
      if (entry.type === 'step') steps.push(entry as StepEvent);
      else if (entry.type === 'epoch') epochs.push(entry as EpochEvent);
      else if (entry.type === 'error') error = entry as unknown as RunRecord['error'];
    });
  const settings = existsSync(files.config) ? readJsonFile<Record<string, unknown>>(files.config) : {};
  const result = existsSync(files.result) ? readJsonFile<{ best: Architecture; description: ArchitectureDescription; metrics: Record<string, number> }>(files.result) : undefined;
  const lastEpoch = epochs.at(-1);
  const restorations = readRestorations(runDir);
  const comparisonPath = join(runDir, COMPARISON_FILE);
  const comparison = existsSync(comparisonPath) ? checkComparison(comparisonPath, readJsonFile<ComparisonRecord>(comparisonPath)) : undefined;
  return {
    runDir,
    settings,
    steps,
    epochs,
    ...(result ? { best: result.best, description: result.description, metrics: result.metrics } : lastEpoch ? { best: lastEpoch.best, metrics: { ...lastEpoch.metrics } } : {}),
    ...(error ? { error } : {}),
    ...(restorations.length > 0 ? { restorations } : {}),
    ...(comparison ? { comparison } : {}),
  };
}

function checkComparison(path: string, c: ComparisonRecord): ComparisonRecord {
  const bad = (field: string, expected: string) => new Error(`${path}: ${field}: expected ${expected}`);
  if (typeof c !== 'object' || c === null) throw bad('the file', 'a JSON object');
  if (typeof c.metric !== 'string') throw bad('metric', 'a string');
  if (typeof c.protocol !== 'string') throw bad('protocol', 'a string');
  if (typeof c.higherIsBetter !== 'boolean') throw bad('higherIsBetter', 'true or false');
  if (!Array.isArray(c.entries)) throw bad('entries', 'an array');
  c.entries.forEach((e, i) => {
    if (typeof e?.label !== 'string' || typeof e.value !== 'number' || typeof e.parameters !== 'number') throw bad(`entries[${i}]`, '{ label: string, value: number, parameters: number }');
  });
  return c;
}

/** The comparison section of a report. */
function comparisonSection(c: ComparisonRecord): string {
  const rows = c.entries
    .map((e) => `<tr${e.found ? ' class="found"' : ''}><th>${escape(e.label)}</th><td>${e.value.toFixed(4)}</td><td>${e.parameters.toLocaleString('en-US')}</td></tr>`)
    .join('');
  return `<h2>Found against others</h2><p>${escape(c.protocol)}</p><table><tr><th>architecture</th><th>${escape(c.metric)}</th><th>trainable parameters</th></tr>${rows}</table>`;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A line chart as inline SVG, with axes, ticks and a legend. */
export function lineChart(title: string, xLabel: string, series: readonly Series[], width = 640, height = 260): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0) return `<figure><figcaption>${escape(title)}</figcaption><p class="empty">no data yet</p></figure>`;
  const margin = { left: 56, right: 16, top: 28, bottom: 36 };
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - ((y - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const ticks = (a: number, b: number) => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());
  const grid = ticks(y0, y1)
    .map((v) => `<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(v)}" y2="${py(v)}" class="grid"/><text x="${margin.left - 6}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`)
    .join('');
  const xTicks = ticks(x0, x1)
    .map((v) => `<text x="${px(v)}" y="${height - margin.bottom + 16}" text-anchor="middle">${fmt(Math.round(v))}</text>`)
    .join('');
  const lines = series
    .map((s) => {
      const pts = s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      return pts.length > 1
        ? `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`
        : pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`).join('');
    })
    .join('');
  // Legend in the top margin, each entry as wide as its name.
  let legendX = margin.left;
  const legend = series
    .map((s) => {
      const x = legendX;
      legendX += 30 + s.name.length * 6.2;
      return `<rect x="${x}" y="8" width="14" height="3" fill="${s.color}"/><text x="${x + 18}" y="13">${escape(s.name)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">${grid}${xTicks}<text x="${(width + margin.left) / 2}" y="${height - 4}" text-anchor="middle">${escape(xLabel)}</text>${lines}${legend}</svg></figure>`;
}

/** Heat map of the probability of each choice of each categorical variable over the epochs. */
export function beliefHeatMap(epochs: readonly EpochEvent[]): string {
  const categorical = (epochs.at(-1)?.beliefs ?? []).filter((b): b is Extract<VariableBelief, { kind: 'categorical' }> => b.kind === 'categorical');
  if (categorical.length === 0) return '';
  const cell = 14;
  const rows = categorical.flatMap((v) => v.choices.map((c, j) => ({ variable: v.name, choice: String(c), j })));
  // Wide enough for the longest label ("variable: choice"), at about 6.2 px a character.
  const label = 12 + Math.ceil(6.2 * Math.max(...rows.map((r) => (r.j === 0 ? `${r.variable}: ${r.choice}` : r.choice).length)));
  const width = label + epochs.length * cell + 10;
  const height = rows.length * cell + 30;
  const cells = rows
    .map((row, r) => {
      const rects = epochs
        .map((e, t) => {
          const b = e.beliefs.find((x) => x.name === row.variable);
          const p = b?.kind === 'categorical' ? (b.probabilities[row.j] ?? 0) : 0;
          const shade = Math.round(255 * (1 - p));
          return `<rect x="${label + t * cell}" y="${r * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)"><title>${escape(`${row.variable} = ${row.choice}, epoch ${e.epoch}: ${p.toFixed(3)}`)}</title></rect>`;
        })
        .join('');
      const text = row.j === 0 ? `${row.variable}: ${row.choice}` : row.choice;
      return `<text x="${label - 6}" y="${r * cell + 11}" text-anchor="end">${escape(text)}</text>${rects}`;
    })
    .join('');
  return `<figure><figcaption>Probability of each choice over the epochs (white 0, blue 1)</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="probability heat map">${cells}<text x="${label}" y="${height - 8}">epoch 0 .. ${epochs.length - 1}</text></svg></figure>`;
}

function numericBeliefs(epochs: readonly EpochEvent[]): string {
  const last = epochs.at(-1);
  const numeric = (last?.beliefs ?? []).filter((b): b is Extract<VariableBelief, { kind: 'integer' | 'continuous' }> => b.kind !== 'categorical');
  return numeric
    .map((v) =>
      lineChart(`${v.name}: mean of the search distribution (and mean +/- std)`, 'epoch', [
        { name: 'mean', color: '#1f6feb', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean')] as const) },
        { name: '+std', color: '#9ab', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean') + beliefOf(e, v.name, 'std')] as const) },
        { name: '-std', color: '#9ab', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean') - beliefOf(e, v.name, 'std')] as const) },
      ]),
    )
    .join('');
}

function beliefOf(e: EpochEvent, name: string, key: 'mean' | 'std'): number {
  const b = e.beliefs.find((x) => x.name === name);
  return b && b.kind !== 'categorical' ? b[key] : Number.NaN;
}

/**
 * Image grids of sample restorations, grouped by corruption: for each set a
 * table whose rows are the corrupted inputs, the restorations and the ground
 * truth, one column per test image, as inline PNG data URIs.
 */
export function restorationGrids(sets: readonly RestorationSet[]): string {
  const masks = [...new Set(sets.map((s) => s.mask))];
  return masks
    .map((mask) => {
      const figures = sets
        .filter((s) => s.mask === mask)
        .map((set) => {
          const [h, w, c] = set.shape;
          if (c !== 1 && c !== 3) return `<p class="empty">${escape(set.label)}: ${c}-channel images are not drawn</p>`;
          const scale = Math.max(1, Math.ceil(96 / Math.max(h, w)));
          const image = (b64: string, alt: string) =>
            `<img src="${pngDataUri(Buffer.from(b64, 'base64'), w, h, c)}" width="${w * scale}" height="${h * scale}" alt="${escape(alt)}">`;
          const row = (name: string, key: 'input' | 'output' | 'target') =>
            `<tr><th>${name}</th>${set.samples.map((sample, i) => `<td>${image(sample[key], `${name} ${i + 1}`)}</td>`).join('')}</tr>`;
          return `<figure><figcaption>${escape(`${set.source}: ${set.label}`)}</figcaption><table class="images">${row('corrupted input', 'input')}${row('restoration', 'output')}${row('ground truth', 'target')}</table></figure>`;
        })
        .join('');
      return `<h3>${escape(mask)} mask</h3>${figures}`;
    })
    .join('');
}

/** Averages `values` over windows so that long runs plot at most `max` points. */
function downsample(points: readonly (readonly [number, number])[], max = 400): [number, number][] {
  if (points.length <= max) return points.map(([x, y]) => [x, y]);
  const size = Math.ceil(points.length / max);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    out.push([chunk.at(-1)![0], chunk.reduce((s, [, y]) => s + y, 0) / chunk.length]);
  }
  return out;
}

/** One self-contained HTML page (inline CSS and SVG, no script, no network) describing a run. */
export function renderReport(run: RunRecord): string {
  const title = `asng search report: ${run.runDir}`;
  const loss = lineChart('Loss', 'step', [
    { name: 'training (mean of lambda)', color: '#d1495b', points: downsample(run.steps.map((s) => [s.step, s.trainLoss])) },
    {
      name: 'validation (mean of lambda)',
      color: '#00798c',
      points: downsample(run.steps.map((s) => [s.step, s.validationLosses.reduce((a, b) => a + b, 0) / s.validationLosses.length])),
    },
  ]);
  const metricNames = [...new Set(run.epochs.flatMap((e) => Object.keys(e.metrics)))];
  const palette = ['#edae49', '#66a182', '#2e4057', '#8d96a3'];
  const metrics = metricNames.length
    ? lineChart(
        'Metrics of the most likely architecture on held-out batches',
        'epoch',
        metricNames.map((m, i) => ({ name: m, color: palette[i % palette.length]!, points: run.epochs.map((e) => [e.epoch, e.metrics[m] ?? Number.NaN] as const) })),
      )
    : '';
  const optimizerStats = lineChart('Optimizer: convergence (mean largest probability) and delta', 'step', [
    { name: 'convergence', color: '#6a4c93', points: downsample(run.steps.map((s) => [s.step, s.optimizer.convergence ?? Number.NaN])) },
    { name: 'delta', color: '#ff595e', points: downsample(run.steps.map((s) => [s.step, s.optimizer.delta ?? Number.NaN])) },
  ]);
  const lr = lineChart('Learning rate', 'step', [{ name: 'learning rate', color: '#444', points: downsample(run.steps.map((s) => [s.step, s.learningRate])) }]);
  const best = run.best
    ? `<table>${Object.entries(run.best)
        .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(String(v))}</td></tr>`)
        .join('')}</table>`
    : '<p>No architecture yet.</p>';
  const description = run.description ? `<pre>${escape(run.description.text)}</pre>` : '';
  const diagrams = Object.entries(run.description?.diagrams ?? {})
    .map(([name, svg]) => `<figure><figcaption>${escape(name)}</figcaption>${svg}</figure>`)
    .join('');
  const lastStep = run.steps.at(-1);
  const summary = [
    ['steps', lastStep ? `${lastStep.step} of ${lastStep.totalSteps}` : '0'],
    ['search time', lastStep ? `${lastStep.seconds.toFixed(1)} s` : '-'],
    ['images per second (last step)', lastStep ? lastStep.imagesPerSecond.toFixed(1) : '-'],
    ...Object.entries(run.metrics ?? {}).map(([k, v]) => [k, v.toFixed(4)]),
  ]
    .map(([k, v]) => `<tr><th>${escape(k!)}</th><td>${escape(v!)}</td></tr>`)
    .join('');
  const error = run.error
    ? `<p class="error">The search stopped at step ${run.error.step}: the ${escape(run.error.phase)} loss was ${escape(run.error.loss)} for ${escape(JSON.stringify(run.error.architecture))}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
svg{font-size:11px;background:#fff}svg text{fill:#333}.grid{stroke:#eee}
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
table{border-collapse:collapse}tr.found{background:#e8f4ea;font-weight:600}th,td{text-align:left;padding:2px 10px;border-bottom:1px solid #eee}
pre{background:#f6f8fa;padding:.8em;overflow:auto}.images img{image-rendering:pixelated;display:block}.images td{padding:2px}.error{color:#b00;font-weight:600}.empty{color:#888}
</style></head><body>
<h1>${escape(title)}</h1>
${error}
<h2>Summary</h2><table>${summary}</table>
${run.comparison ? comparisonSection(run.comparison) : ''}
<h2>Settings</h2><pre>${escape(JSON.stringify(run.settings, null, 2))}</pre>
<h2>Training</h2>${loss}${metrics}${lr}
<h2>Architecture distribution</h2>${optimizerStats}${beliefHeatMap(run.epochs)}${numericBeliefs(run.epochs)}
<h2>Most likely architecture</h2>${best}${description}${diagrams}
${run.restorations?.length ? `<h2>Restorations of test images</h2>${restorationGrids(run.restorations)}` : ''}
</body></html>
`;
}
