import { coord, escapeXml, formatNumber, textWidth } from './escape.js';
import { linearAxis, scaleOf } from './ticks.js';

/** One tested network of a comparison. */
export interface StripEntry {
  /** Shown on hover, for example `'random 3 (seed 2)'`. */
  readonly label: string;
  readonly value: number;
  /** Its row: `'found'`, `'random'`, `'hand-written'`, ... (rows in order of first appearance). */
  readonly category: string;
  /** Drawn larger and in red: the search's architecture. */
  readonly highlight?: boolean;
}

/** Options of {@link stripPlot}. */
export interface StripPlotOptions {
  /** What the values measure, for example `'test accuracy'`. */
  readonly metric: string;
  readonly unit?: string;
  /** Said on the axis: which way is better. */
  readonly higherIsBetter: boolean;
  readonly entries: readonly StripEntry[];
  /** @default 560 */
  readonly width?: number;
}

/**
 * A strip plot: one row per category, one dot per network (the highlighted
 * ones larger and red), a tick at each row's mean, every value on hover.
 * Dots of equal values are spread vertically, deterministically. Returns `''`
 * without a finite value.
 */
export function stripPlot(options: StripPlotOptions): string {
  const entries = options.entries.filter((e) => Number.isFinite(e.value));
  if (entries.length === 0) return '';
  const categories = [...new Set(entries.map((e) => e.category))];
  const width = options.width ?? 560;
  const labelWidth = Math.ceil(Math.max(...categories.map((c) => textWidth(c, 11)))) + 16;
  const rowHeight = 34;
  const top = 26;
  const plotBottom = top + categories.length * rowHeight;
  const height = plotBottom + 38;
  const values = entries.map((e) => e.value);
  const axis = linearAxis(Math.min(...values), Math.max(...values));
  const x = scaleOf(axis, labelWidth + 8, width - 16);
  const unit = options.unit !== undefined ? ` (${options.unit})` : '';
  const title = `${options.metric}${unit}: ${options.higherIsBetter ? 'higher' : 'lower'} is better`;
  const parts: string[] = [];
  for (const t of axis.ticks) {
    parts.push(
      `<line x1="${coord(x(t.value))}" x2="${coord(x(t.value))}" y1="${top}" y2="${plotBottom}" stroke="#eee"/><text x="${coord(x(t.value))}" y="${plotBottom + 14}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  parts.push(`<text x="${coord((labelWidth + width) / 2)}" y="${height - 6}" text-anchor="middle">${escapeXml(`${options.metric}${unit}`)}</text>`);
  categories.forEach((category, r) => {
    const cy = top + r * rowHeight + rowHeight / 2;
    const inRow = entries.filter((e) => e.category === category);
    const mean = inRow.reduce((s, e) => s + e.value, 0) / inRow.length;
    parts.push(
      `<text x="${labelWidth - 6}" y="${cy + 4}" text-anchor="end" font-size="11">${escapeXml(category)}</text><line x1="${labelWidth + 8}" x2="${width - 16}" y1="${cy}" y2="${cy}" stroke="#f2f2f2"/>`,
    );
    if (inRow.length > 1)
      parts.push(
        `<line x1="${coord(x(mean))}" x2="${coord(x(mean))}" y1="${cy - 12}" y2="${cy + 12}" stroke="#333" stroke-width="2"><title>${escapeXml(`${category} mean: ${formatNumber(mean)}`)}</title></line>`,
      );
    const placed: number[] = [];
    for (const e of inRow) {
      const px = x(e.value);
      const near = placed.filter((p) => Math.abs(p - px) < 7).length;
      placed.push(px);
      const dy = near === 0 ? 0 : (near % 2 === 1 ? -1 : 1) * Math.ceil(near / 2) * 6;
      const r = e.highlight ? 6 : 4.5;
      parts.push(
        `<circle cx="${coord(px)}" cy="${coord(cy + dy)}" r="${r}" fill="${e.highlight ? '#d1495b' : '#00798c'}" fill-opacity="${e.highlight ? 1 : 0.75}" stroke="#fff"><title>${escapeXml(`${e.label}: ${formatNumber(e.value)}${options.unit !== undefined ? ` ${options.unit}` : ''}`)}</title></circle>`,
      );
    }
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}" data-figure="strip-plot">` +
    `<title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#fff"/><text x="8" y="16" font-size="12" font-weight="600">${escapeXml(title)}</text>${parts.join('')}</svg>`
  );
}
