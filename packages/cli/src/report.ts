import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture, ArchitectureDescription, ArchitectureGraph } from '@asng/core';
import { runFiles, type EpochEvent, type StepEvent } from '@asng/engine';
import { architectureSvg, type ChartSeries, escapeXml, lineChart as drawLineChart, probabilityEvolution, probabilityHeatMap } from '@asng/report-render';
import { pngDataUri } from './png.js';
import { readJsonFile } from './json-file.js';
import { spaceFigures } from './report-architecture.js';
import { comparisonHtml, qualityViews, readRetrain, retrainHtml, type ComparisonView, type RetrainSummary } from './report-comparison.js';
import { architectureSection, distributionFigures, settingsTable, trainingPanels } from './report-figures.js';
import { recordPath } from './run-record.js';
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
  /** The run record of `asng search` (`cli.json`), for the settings table. */
  readonly cli?: Record<string, unknown>;
  /** What the quality benchmark (`quality.json`) measured. */
  readonly comparisons?: readonly ComparisonView[];
  /** What a retraining (`retrain.json`) measured. */
  readonly retrain?: RetrainSummary;
  /** What a retraining recorded about the machine (backend). */
  readonly machine?: Record<string, unknown>;
  /** The graph of the most likely architecture, from the run's space (see {@link readRunWithSpace}). */
  readonly architectureGraph?: ArchitectureGraph;
  /** Ranges of the numeric variables, from the run's space. */
  readonly bounds?: Readonly<Record<string, readonly [number, number]>>;
}

/** The file of a run directory where `asng report` draws the most likely architecture. */
export const ARCHITECTURE_FILE = 'architecture.svg';

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
  const lines = readFileSync(files.log, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: { type?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      // A last line without its newline is a write cut short (a kill, a full disk): resume drops it, and so does the report.
      if (i === lines.length - 1) return;
      throw new Error(`${files.log}: line ${i + 1} is not JSON`);
    }
    if (entry.type === 'step') steps.push(entry as StepEvent);
    else if (entry.type === 'epoch') epochs.push(entry as EpochEvent);
    else if (entry.type === 'error') error = entry as unknown as RunRecord['error'];
  });
  const settings = existsSync(files.config) ? readJsonFile<Record<string, unknown>>(files.config) : {};
  const result = existsSync(files.result)
    ? readJsonFile<{ best: Architecture; description: ArchitectureDescription; metrics: Record<string, number> }>(files.result)
    : undefined;
  const lastEpoch = epochs.at(-1);
  const restorations = readRestorations(runDir);
  const comparisonPath = join(runDir, COMPARISON_FILE);
  const comparison = existsSync(comparisonPath) ? checkComparison(comparisonPath, readJsonFile<ComparisonRecord>(comparisonPath)) : undefined;
  const cli = existsSync(recordPath(runDir)) ? readJsonFile<Record<string, unknown>>(recordPath(runDir)) : undefined;
  const comparisons = qualityViews(runDir);
  const retrain = readRetrain(runDir);
  const retrained = existsSync(join(runDir, 'retrain.json')) ? readJsonFile<Record<string, unknown>>(join(runDir, 'retrain.json')) : {};
  const machine = Object.fromEntries(Object.entries(retrained).filter(([k]) => k === 'backend' || k === 'threads'));
  return {
    runDir,
    settings,
    steps,
    epochs,
    ...(result
      ? { best: result.best, description: result.description, metrics: result.metrics }
      : lastEpoch
        ? { best: lastEpoch.best, metrics: { ...lastEpoch.metrics } }
        : {}),
    ...(error ? { error } : {}),
    ...(restorations.length > 0 ? { restorations } : {}),
    ...(comparison ? { comparison } : {}),
    ...(cli ? { cli } : {}),
    ...(comparisons.length > 0 ? { comparisons } : {}),
    ...(retrain ? { retrain } : {}),
    ...(Object.keys(machine).length > 0 ? { machine } : {}),
  };
}

/**
 * {@link readRun}, with what the run's space adds: the graph of the most
 * likely architecture (when the space has the `ArchitectureGraphDescriber`
 * ability) and the ranges of its numeric variables. A space module is
 * loaded only if the user names it (`space`, as `--space`), never on the
 * run's word; `cwd` resolves it when relative.
 */
export async function readRunWithSpace(runDir: string, cwd = process.cwd(), space?: string): Promise<RunRecord> {
  const run = readRun(runDir);
  const { graph, bounds } = await spaceFigures(runDir, run.settings, run.best, cwd, space);
  return { ...run, ...(graph !== undefined ? { architectureGraph: graph } : {}), bounds };
}

/**
 * The report of a run: its HTML, and the SVG of its most likely architecture
 * (to be written as {@link ARCHITECTURE_FILE} in the run directory) when the
 * run's space can draw it.
 */
export async function buildReport(runDir: string, cwd = process.cwd(), space?: string): Promise<{ readonly html: string; readonly architectureSvg?: string }> {
  const run = await readRunWithSpace(runDir, cwd, space);
  const html = renderReport(run);
  return run.architectureGraph !== undefined ? { html, architectureSvg: architectureSvg(run.architectureGraph) } : { html };
}

function checkComparison(path: string, c: ComparisonRecord): ComparisonRecord {
  const bad = (field: string, expected: string) => new Error(`${path}: ${field}: expected ${expected}`);
  if (typeof c !== 'object' || c === null) throw bad('the file', 'a JSON object');
  if (typeof c.metric !== 'string') throw bad('metric', 'a string');
  if (typeof c.protocol !== 'string') throw bad('protocol', 'a string');
  if (typeof c.higherIsBetter !== 'boolean') throw bad('higherIsBetter', 'true or false');
  if (!Array.isArray(c.entries)) throw bad('entries', 'an array');
  c.entries.forEach((e, i) => {
    if (typeof e?.label !== 'string' || typeof e.value !== 'number' || typeof e.parameters !== 'number')
      throw bad(`entries[${i}]`, '{ label: string, value: number, parameters: number }');
  });
  return c;
}

/** `comparison.json` as a view: the found entry in its own row of the strip plot, the others by the first word of their label. */
function comparisonView(c: ComparisonRecord): ComparisonView {
  return {
    title: c.metric,
    metric: c.metric,
    higherIsBetter: c.higherIsBetter,
    protocol: c.protocol,
    entries: c.entries.map((e) => ({
      label: e.label,
      value: e.value,
      parameters: e.parameters,
      category: e.found ? 'found' : (e.label.split(/[\s(]/)[0] ?? e.label),
      found: e.found === true,
    })),
  };
}

/**
 * A line chart as inline SVG in a figure.
 * @deprecated Use `lineChart` of `@asng/report-render`, which draws one panel per metric with its own axis and unit.
 */
export function lineChart(title: string, xLabel: string, series: readonly ChartSeries[], width = 640, height = 260): string {
  return `<figure>${drawLineChart({ title, xLabel, series, width, height })}</figure>`;
}

/**
 * The probabilities of the categorical variables at the last epoch, then over the epochs as small multiples.
 * @deprecated Use `probabilityHeatMap` and `probabilityEvolution` of `@asng/report-render`.
 */
export function beliefHeatMap(epochs: readonly EpochEvent[]): string {
  const last = probabilityHeatMap(epochs.at(-1)?.beliefs ?? []);
  return last === ''
    ? ''
    : `<figure>${last}</figure><figure>${probabilityEvolution(epochs.map((e) => ({ label: `epoch ${e.epoch}`, beliefs: e.beliefs })))}</figure>`;
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
          if (c !== 1 && c !== 3) return `<p class="empty">${escapeXml(set.label)}: ${c}-channel images are not drawn</p>`;
          const scale = Math.max(1, Math.ceil(96 / Math.max(h, w)));
          const image = (b64: string, alt: string) =>
            `<img src="${pngDataUri(Buffer.from(b64, 'base64'), w, h, c)}" width="${w * scale}" height="${h * scale}" alt="${escapeXml(alt)}">`;
          const row = (name: string, key: 'input' | 'output' | 'target') =>
            `<tr><th>${name}</th>${set.samples.map((sample, i) => `<td>${image(sample[key], `${name} ${i + 1}`)}</td>`).join('')}</tr>`;
          return `<figure><figcaption>${escapeXml(`${set.source}: ${set.label}`)}</figcaption><table class="images">${row('corrupted input', 'input')}${row('restoration', 'output')}${row('ground truth', 'target')}</table></figure>`;
        })
        .join('');
      return `<h3>${escapeXml(mask)} mask</h3>${figures}`;
    })
    .join('');
}

/**
 * One self-contained HTML page (inline CSS and SVG, no script, no network)
 * describing a run: the summary; the found architecture against others when
 * the run holds a comparison, a retraining or a quality-benchmark result; the
 * found architecture's diagram; one panel per training quantity; the search
 * distribution; the settings in groups; sample restorations.
 */
export function renderReport(run: RunRecord): string {
  const title = `asng search report: ${run.runDir}`;
  const lastStep = run.steps.at(-1);
  const summary = [
    ['steps', lastStep ? `${lastStep.step} of ${lastStep.totalSteps}` : '0'],
    ['search time', lastStep ? `${lastStep.seconds.toFixed(1)} s` : '-'],
    ['images per second (last step)', lastStep ? lastStep.imagesPerSecond.toFixed(1) : '-'],
    ...Object.entries(run.metrics ?? {}).map(([k, v]) => [k, v.toFixed(4)]),
  ]
    .map(([k, v]) => `<tr><th>${escapeXml(k!)}</th><td>${escapeXml(v!)}</td></tr>`)
    .join('');
  const error = run.error
    ? `<p class="error">The search stopped at step ${run.error.step}: the ${escapeXml(run.error.phase)} loss was ${escapeXml(run.error.loss)} for ${escapeXml(JSON.stringify(run.error.architecture))}.</p>`
    : '';
  const views = [...(run.comparison ? [comparisonView(run.comparison)] : []), ...(run.comparisons ?? [])];
  const retrained = run.retrain ? retrainHtml(run.retrain) : '';
  const comparisons = views.length > 0 || retrained !== '' ? `<h2>Found against others</h2>${views.map(comparisonHtml).join('')}${retrained}` : '';
  const values = run.best
    ? `<table>${Object.entries(run.best)
        .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`)
        .join('')}</table>`
    : '';
  const architecture = run.best ? architectureSection(run.architectureGraph, run.description, values) : '<p>No architecture yet.</p>';
  // SVG inside HTML needs no namespace; without it the page holds no URL at all.
  return page(title, error, summary, comparisons, architecture, run).replaceAll(' xmlns="http://www.w3.org/2000/svg"', '');
}

function page(title: string, error: string, summary: string, comparisons: string, architecture: string, run: RunRecord): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1000px;padding:0 1em;color:#222}
h1{font-size:1.4em;overflow-wrap:anywhere}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1em;margin:1.2em 0 .3em}
svg{max-width:100%;height:auto}figure{margin:.6em 0;overflow-x:auto}figcaption{font-weight:600;margin-bottom:.3em}
.panels{display:flex;flex-wrap:wrap;gap:4px 16px}.panels figure{margin:.3em 0}.side{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse}tr.found{background:#e8f4ea;font-weight:600}th,td{text-align:left;padding:2px 10px;border-bottom:1px solid #eee}
table.settings tr.group th{background:#f3f5f8;padding-top:6px;text-transform:capitalize}details{margin:.6em 0}summary{cursor:pointer;color:#555}
pre{background:#f6f8fa;padding:.8em;overflow:auto}.images img{image-rendering:pixelated;display:block}.images td{padding:2px}.error{color:#b00;font-weight:600}.empty{color:#888}
</style></head><body>
<h1>${escapeXml(title)}</h1>
${error}
<h2>Summary</h2><table>${summary}</table>
${comparisons}
<h2>Most likely architecture</h2>${architecture}
<h2>Training</h2>${trainingPanels(run.steps, run.epochs)}
<h2>Architecture distribution</h2>${distributionFigures(run.steps, run.epochs, run.bounds)}
<h2>Settings</h2>${settingsTable(run.settings, run.cli, run.machine ?? {})}
${run.restorations?.length ? `<h2>Restorations of test images</h2>${restorationGrids(run.restorations)}` : ''}
</body></html>
`;
}
