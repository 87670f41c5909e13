import type { VariableBelief } from '@asng/core';
import { coord, escapeXml, formatNumber, textWidth } from './escape.js';

type CategoricalBelief = Extract<VariableBelief, { kind: 'categorical' }>;
type NumericBelief = Extract<VariableBelief, { kind: 'integer' | 'continuous' }>;

/** The beliefs of the search distribution at one moment, for {@link probabilityEvolution}. */
export interface BeliefSnapshot {
  /** Shown over the panel, for example `'epoch 3'`. */
  readonly label: string;
  readonly beliefs: readonly VariableBelief[];
}

const categoricalOf = (beliefs: readonly VariableBelief[]) => beliefs.filter((b): b is CategoricalBelief => b.kind === 'categorical');

/** White (0) to dark blue (1). */
function shade(p: number): string {
  const t = Math.min(1, Math.max(0, p));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 8)},${mix(255, 69)},${mix(255, 148)})`;
}

/**
 * The probabilities of the categorical variables as an SVG table: one row per
 * variable, its choices as cells shaded by probability (white 0, blue 1),
 * each labelled with its choice and its probability, the most likely choice
 * outlined, and the exact value on hover. Returns `''` when no variable is
 * categorical.
 */
export function probabilityHeatMap(beliefs: readonly VariableBelief[], title = 'Probability of each choice at the end of the search'): string {
  const rows = categoricalOf(beliefs);
  if (rows.length === 0) return '';
  const labelWidth = Math.ceil(Math.max(...rows.map((r) => textWidth(r.name, 11)))) + 16;
  const cellWidth = Math.ceil(Math.max(46, ...rows.flatMap((r) => r.choices.map((c) => textWidth(String(c), 10) + 10))));
  const cellHeight = 30;
  const columns = Math.max(...rows.map((r) => r.choices.length));
  const width = labelWidth + columns * cellWidth + 10;
  const top = 26;
  const height = top + rows.length * cellHeight + 8;
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const y = top + r * cellHeight;
    parts.push(`<text x="${labelWidth - 8}" y="${y + cellHeight / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(row.name)}</text>`);
    const best = row.probabilities.reduce((b, p, j) => (p > row.probabilities[b]! ? j : b), 0);
    row.choices.forEach((choice, j) => {
      const p = row.probabilities[j] ?? 0;
      const x = labelWidth + j * cellWidth;
      const ink = p > 0.55 ? '#fff' : '#222';
      parts.push(
        `<g><title>${escapeXml(`${row.name} = ${String(choice)}: ${p.toFixed(4)}`)}</title>` +
          `<rect x="${x}" y="${y}" width="${cellWidth - 2}" height="${cellHeight - 2}" fill="${shade(p)}" stroke="${j === best ? '#d1495b' : '#ccc'}" stroke-width="${j === best ? 2 : 1}"/>` +
          `<text x="${coord(x + (cellWidth - 2) / 2)}" y="${y + 12}" text-anchor="middle" font-size="10" fill="${ink}">${escapeXml(String(choice))}</text>` +
          `<text x="${coord(x + (cellWidth - 2) / 2)}" y="${y + 24}" text-anchor="middle" font-size="10" font-weight="600" fill="${ink}">${p.toFixed(2)}</text></g>`,
      );
    });
  });
  return svg(width, height, title, 'heat-map', parts.join(''));
}

/**
 * The evolution of the probabilities as small multiples: one small heat map
 * per snapshot (at most `maxPanels`, evenly spread, the first and the last
 * always among them), rows and columns as in {@link probabilityHeatMap},
 * the value of each cell on hover. Returns `''` when no variable is categorical.
 */
export function probabilityEvolution(snapshots: readonly BeliefSnapshot[], maxPanels = 8): string {
  const last = snapshots.at(-1);
  const rows = last ? categoricalOf(last.beliefs) : [];
  if (rows.length === 0) return '';
  const picked = pickEvenly(snapshots.length, maxPanels).map((i) => snapshots[i]!);
  const cell = rows.length > 60 ? 6 : 9;
  const columns = Math.max(...rows.map((r) => r.choices.length));
  const labelWidth = Math.ceil(Math.max(...rows.map((r) => textWidth(r.name, 9)))) + 10;
  const panelWidth = columns * cell + 14;
  const top = 40;
  const width = labelWidth + picked.length * panelWidth + 8;
  const height = top + rows.length * cell + 8;
  const parts: string[] = [];
  rows.forEach((row, r) =>
    parts.push(
      `<text x="${labelWidth - 5}" y="${top + r * cell + cell - 1}" text-anchor="end" font-size="${Math.min(9, cell + 1)}">${escapeXml(row.name)}</text>`,
    ),
  );
  picked.forEach((snapshot, k) => {
    const x0 = labelWidth + k * panelWidth;
    parts.push(`<text x="${coord(x0 + (columns * cell) / 2)}" y="${top - 6}" text-anchor="middle" font-size="10">${escapeXml(snapshot.label)}</text>`);
    const byName = new Map(categoricalOf(snapshot.beliefs).map((b) => [b.name, b]));
    rows.forEach((row, r) => {
      const b = byName.get(row.name);
      row.choices.forEach((choice, j) => {
        const p = b?.probabilities[j] ?? Number.NaN;
        const hover = `${row.name} = ${String(choice)}, ${snapshot.label}: ${Number.isFinite(p) ? p.toFixed(3) : 'not recorded'}`;
        parts.push(
          `<rect x="${x0 + j * cell}" y="${top + r * cell}" width="${cell - 1}" height="${cell - 1}" fill="${Number.isFinite(p) ? shade(p) : '#f4f4f4'}"><title>${escapeXml(hover)}</title></rect>`,
        );
      });
    });
  });
  return svg(
    width,
    height,
    'Probabilities over the search (each panel: rows are variables, cells their choices; white 0, blue 1)',
    'heat-map-evolution',
    parts.join(''),
  );
}

/** `count` indices of `0 .. n-1`, evenly spread, the first and last included. */
export function pickEvenly(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  if (count <= 1) return [n - 1];
  return [...new Set(Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1))))];
}

/**
 * The numeric (integer and continuous) variables: one row each, the mean of
 * the search distribution as a dot and mean +/- std as a bar, on the row's
 * own scale (`bounds`, else mean +/- 3 std), with the values on hover and
 * at the row's end. Returns `''` when no variable is numeric.
 */
export function numericBeliefPlot(beliefs: readonly VariableBelief[], bounds: Readonly<Record<string, readonly [number, number]>> = {}): string {
  const rows = beliefs.filter((b): b is NumericBelief => b.kind !== 'categorical');
  if (rows.length === 0) return '';
  const labelWidth = Math.ceil(Math.max(...rows.map((r) => textWidth(r.name, 11)))) + 16;
  const plot = 260;
  const width = labelWidth + plot + 150;
  const rowHeight = 20;
  const top = 26;
  const height = top + rows.length * rowHeight + 8;
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const y = top + r * rowHeight + rowHeight / 2;
    let [lo, hi] = bounds[row.name] ?? [row.mean - 3 * row.std, row.mean + 3 * row.std];
    if (!(hi > lo)) [lo, hi] = [row.mean - 1, row.mean + 1];
    const x = (v: number) => labelWidth + Math.min(plot, Math.max(0, ((v - lo) / (hi - lo)) * plot));
    const text = `${formatNumber(row.mean, 3)} +/- ${formatNumber(row.std, 2)}  [${formatNumber(lo, 3)}, ${formatNumber(hi, 3)}]`;
    parts.push(
      `<g><title>${escapeXml(`${row.name}: mean ${row.mean}, std ${row.std}`)}</title>` +
        `<text x="${labelWidth - 8}" y="${y + 4}" text-anchor="end" font-size="11">${escapeXml(row.name)}</text>` +
        `<line x1="${labelWidth}" x2="${labelWidth + plot}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
        `<line x1="${coord(x(row.mean - row.std))}" x2="${coord(x(row.mean + row.std))}" y1="${y}" y2="${y}" stroke="#1f6feb" stroke-width="4" stroke-opacity="0.45"/>` +
        `<circle cx="${coord(x(row.mean))}" cy="${y}" r="4" fill="#1f6feb"/>` +
        `<text x="${labelWidth + plot + 8}" y="${y + 4}" font-size="10" fill="#444">${escapeXml(text)}</text></g>`,
    );
  });
  return svg(width, height, 'Numeric variables: mean (dot) and mean +/- std (bar) of the search distribution', 'numeric-beliefs', parts.join(''));
}

function svg(minWidth: number, height: number, title: string, figure: string, body: string): string {
  const width = Math.max(minWidth, textWidth(title, 12) + 16);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${coord(width)}" height="${coord(height)}" viewBox="0 0 ${coord(width)} ${coord(height)}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}" data-figure="${figure}">` +
    `<title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#fff"/><text x="8" y="16" font-size="12" font-weight="600">${escapeXml(title)}</text>${body}</svg>`
  );
}
