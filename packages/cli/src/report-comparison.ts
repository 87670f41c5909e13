import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { escapeXml, type StripEntry, stripPlot } from '@asng/report-render';
import { readJsonFile } from './json-file.js';

/**
 * One comparison the report shows: networks trained alike and tested on one
 * metric, the search's own highlighted. Read from `comparison.json` or the
 * quality benchmark's `quality.json` (in the run directory or the one above it).
 */
export interface ComparisonView {
  /** Heading, for example `'test accuracy'` or `'center mask: PSNR'`. */
  readonly title: string;
  readonly metric: string;
  readonly unit?: string;
  readonly higherIsBetter: boolean;
  /** How the networks were trained and tested. */
  readonly protocol: string;
  readonly entries: readonly {
    readonly label: string;
    readonly value: number;
    readonly parameters?: number;
    /** Row of the strip plot: `'found'`, `'random'`, `'hand-written'`, ... */
    readonly category: string;
    readonly found: boolean;
  }[];
}

/** The retraining summary `asng retrain` writes in the run directory. */
export const RETRAIN_FILE = 'retrain.json';
/** The result the quality benchmark writes in its run directory, above each search's. */
export const QUALITY_FILE = 'quality.json';

const UNITS: Readonly<Record<string, string>> = { psnr: 'dB' };
const NAMES: Readonly<Record<string, string>> = { psnr: 'PSNR', ssim: 'SSIM', mse: 'MSE', accuracy: 'accuracy', loss: 'loss' };

/** How a metric is named in a heading and whether higher is better (losses and errors are lower-is-better). */
export function metricInfo(name: string): { readonly title: string; readonly unit?: string; readonly higherIsBetter: boolean } {
  const unit = UNITS[name];
  return { title: NAMES[name] ?? name, ...(unit !== undefined ? { unit } : {}), higherIsBetter: !/loss|mse|error/i.test(name) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What `asng retrain` measured, from `retrain.json`. */
export interface RetrainSummary {
  /** Test metrics by name. */
  readonly test: Readonly<Record<string, number>>;
  readonly trainableParameters?: number;
  readonly epochs?: number;
  readonly split?: string;
}

/** The retraining of the run directory, when `retrain.json` is there and holds test metrics. */
export function readRetrain(runDir: string): RetrainSummary | undefined {
  const path = join(runDir, RETRAIN_FILE);
  if (!existsSync(path)) return undefined;
  const r = readJsonFile<unknown>(path);
  if (!isRecord(r) || !isRecord(r.test)) return undefined;
  const test = Object.fromEntries(Object.entries(r.test).flatMap(([k, v]) => (num(v) !== undefined ? [[k, v as number]] : [])));
  const parameters = num(r.trainableParameters);
  const epochs = num(r.epochs);
  return {
    test,
    ...(parameters !== undefined ? { trainableParameters: parameters } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(typeof r.split === 'string' ? { split: r.split } : {}),
  };
}

/** The retraining as one table row: each test metric with its unit, and the trainable parameters. */
export function retrainHtml(r: RetrainSummary): string {
  const names = Object.keys(r.test);
  const head = names.map((n) => {
    const info = metricInfo(n);
    return `<th>${escapeXml(`${info.title}${info.unit !== undefined ? ` (${info.unit})` : ''}`)}</th>`;
  });
  const cells = names.map((n) => `<td>${r.test[n]!.toFixed(4)}</td>`);
  const protocol = `The most likely architecture retrained from scratch by asng retrain${r.epochs !== undefined ? ` for ${r.epochs} epoch(s)` : ''}, tested on the ${r.split ?? 'test'} split (retrain.json).`;
  return (
    `<h3>retrained</h3><p>${escapeXml(protocol)}</p><table><tr><th>architecture</th>${head.join('')}<th>trainable parameters</th></tr>` +
    `<tr class="found"><th>found (retrained)</th>${cells.join('')}<td>${r.trainableParameters !== undefined ? r.trainableParameters.toLocaleString('en-US') : '-'}</td></tr></table>`
  );
}

/**
 * The quality benchmark's comparison (found against K random architectures,
 * and the hand-written autoencoder for inpainting, each retrained alike at
 * an equal parameter budget), when `quality.json` is in the run directory or
 * the one above it; the search seed in the run directory's name
 * (`search-seed<S>[-<mask>]`) picks the found network to highlight.
 */
export function qualityViews(runDir: string): ComparisonView[] {
  const path = [join(runDir, QUALITY_FILE), join(dirname(runDir), QUALITY_FILE)].find((p) => existsSync(p));
  if (path === undefined) return [];
  const q = readJsonFile<unknown>(path);
  if (!isRecord(q) || !Array.isArray(q.found) || !Array.isArray(q.random)) return [];
  const own = /search-seed(\d+)(?:-(.+))?$/.exec(basename(runDir));
  const seed = own ? Number(own[1]) : undefined;
  const protocol = `Quality benchmark (${String(q.budget ?? '')} budget, ${basename(path)}): each network retrained from scratch alike at the same parameter budget and tested on the whole test split.`;
  const entriesOf = (pick: (metric: unknown) => number | undefined, mask?: string) => {
    const out: ComparisonView['entries'][number][] = [];
    const add = (list: unknown, category: string, label: (e: Record<string, unknown>) => string) => {
      if (!Array.isArray(list)) return;
      for (const e of list) {
        if (!isRecord(e)) continue;
        const value = pick(e.metric);
        if (value === undefined) continue;
        const parameters = mask !== undefined && isRecord(e.parameters) ? num(e.parameters[mask]) : num(e.parameters);
        out.push({
          label: label(e),
          value,
          ...(parameters !== undefined ? { parameters } : {}),
          category,
          found: category === 'found' && (seed === undefined || e.seed === seed),
        });
      }
    };
    add(q.found, 'found', (e) => `found (seed ${String(e.seed)})`);
    add(q.random, 'random', (e) => `random ${String(e.index)} (seed ${String(e.seed)})`);
    add(q.handWritten, 'hand-written', (e) => `hand-written (seed ${String(e.seed)})`);
    return out;
  };
  if (q.task === 'inpainting') {
    const masks = [...new Set(q.found.flatMap((f) => (isRecord(f) && isRecord(f.metric) ? Object.keys(f.metric) : [])))];
    const mask = own?.[2];
    return masks
      .filter((m) => mask === undefined || m === mask)
      .flatMap((m) =>
        (['psnr', 'ssim'] as const).map((key) => {
          const info = metricInfo(key);
          const pick = (metric: unknown) => (isRecord(metric) && isRecord(metric[m]) ? num(metric[m][key]) : undefined);
          return {
            title: `${m} mask: ${info.title}`,
            metric: info.title,
            ...(info.unit !== undefined ? { unit: info.unit } : {}),
            higherIsBetter: true,
            protocol,
            entries: entriesOf(pick, m),
          };
        }),
      )
      .filter((v) => v.entries.length > 0);
  }
  const view = { title: 'test accuracy', metric: 'test accuracy', higherIsBetter: true, protocol, entries: entriesOf(num) };
  return view.entries.length > 0 ? [view] : [];
}

/** A comparison as a table (the found row highlighted) beside its strip plot. */
export function comparisonHtml(view: ComparisonView): string {
  const rows = view.entries
    .map(
      (e) =>
        `<tr${e.found ? ' class="found"' : ''}><th>${escapeXml(e.label)}</th><td>${e.value.toFixed(4)}</td><td>${e.parameters !== undefined ? e.parameters.toLocaleString('en-US') : '-'}</td></tr>`,
    )
    .join('');
  const entries: StripEntry[] = view.entries.map((e) => ({ label: e.label, value: e.value, category: e.category, highlight: e.found }));
  const plot = stripPlot({ metric: view.metric, ...(view.unit !== undefined ? { unit: view.unit } : {}), higherIsBetter: view.higherIsBetter, entries });
  const metric = `${view.metric}${view.unit !== undefined ? ` (${view.unit})` : ''}`;
  return (
    `<h3>${escapeXml(view.title)}</h3><p>${escapeXml(view.protocol)}</p><div class="side">` +
    `<table><tr><th>architecture</th><th>${escapeXml(metric)}</th><th>trainable parameters</th></tr>${rows}</table>` +
    `${view.entries.length > 1 ? `<figure>${plot}</figure>` : ''}</div>`
  );
}
