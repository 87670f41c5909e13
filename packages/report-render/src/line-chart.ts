import { downsample } from './downsample.js';
import { coord, escapeXml, formatNumber, textWidth } from './escape.js';
import { linearAxis, logAxis, scaleOf, spansDecades, type Axis } from './ticks.js';

/** One line of a chart. */
export interface ChartSeries {
  readonly name: string;
  /** A CSS colour. @default one of the chart's palette, by position */
  readonly color?: string;
  /** `[x, y]` in x order; non-finite values are left out. */
  readonly points: readonly (readonly [number, number])[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** The panel's title, for example `'PSNR'`. */
  readonly title: string;
  /** The unit of the y values, shown on the axis (`'dB'`); none for ratios and losses. */
  readonly unit?: string;
  /** Name of the x axis, for example `'epoch'` or `'step'`. */
  readonly xLabel: string;
  readonly series: readonly ChartSeries[];
  /** Whole-number x ticks only (epochs, steps). @default true */
  readonly integerX?: boolean;
  /** `'auto'`: a log scale when every value is positive and they span two decades or more. @default 'auto' */
  readonly scale?: 'linear' | 'log' | 'auto';
  /** Longer series are averaged into this many buckets, drawn with their min-max band. @default 300 */
  readonly maxPoints?: number;
  /** @default 460 */
  readonly width?: number;
  /** @default 220 */
  readonly height?: number;
}

const PALETTE = ['#d1495b', '#00798c', '#edae49', '#66a182', '#2e4057', '#8d96a3'];

/**
 * One metric panel as a self-contained SVG: its own y axis and unit, nice
 * ticks (whole numbers on the x axis by default), a legend when it has
 * several series, a point with a hover value for each value of a short
 * series, and for a long one (a 40,000-step log) the bucket means with a
 * min-max band. With no finite value it says so instead of drawing axes.
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 460;
  const height = options.height ?? 220;
  const max = options.maxPoints ?? 300;
  const series = options.series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length]!,
    buckets: downsample(s.points, max),
    long: s.points.length > max,
  }));
  const title = `${options.title}${options.unit !== undefined ? ` (${options.unit})` : ''}`;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}" data-figure="chart"><title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#fff"/><text x="8" y="15" font-size="12" font-weight="600">${escapeXml(title)}</text>`;
  const all = series.flatMap((s) => s.buckets);
  if (all.length === 0) return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data yet</text></svg>`;
  const ys = all.flatMap((b) => [b.min, b.max]);
  const useLog = options.scale === 'log' ? ys.every((v) => v > 0) : options.scale === 'auto' || options.scale === undefined ? spansDecades(ys) : false;
  const yAxis: Axis = useLog ? logAxis(Math.min(...ys), Math.max(...ys)) : linearAxis(Math.min(...ys), Math.max(...ys));
  const xs = all.map((b) => b.x);
  const xAxis = linearAxis(Math.min(...xs), Math.max(...xs), { integer: options.integerX ?? true });
  const labelWidth = Math.max(...yAxis.ticks.map((t) => textWidth(t.label, 11)));
  const legend = series.length > 1 || series.some((s) => s.long);
  const lastX = xAxis.ticks.at(-1)?.label ?? '';
  const m = { left: Math.max(40, labelWidth + 14), right: Math.max(14, textWidth(lastX, 11) / 2 + 6), top: legend ? 40 : 26, bottom: 34 };
  const px = scaleOf(xAxis, m.left, width - m.right);
  const py = scaleOf(yAxis, height - m.bottom, m.top);
  const parts: string[] = [head];
  for (const t of yAxis.ticks) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${coord(py(t.value))}" y2="${coord(py(t.value))}" stroke="#eee"/><text x="${coord(m.left - 5)}" y="${coord(py(t.value) + 4)}" text-anchor="end" fill="#333">${escapeXml(t.label)}</text>`,
    );
  }
  for (const t of xAxis.ticks) {
    parts.push(
      `<line x1="${coord(px(t.value))}" x2="${coord(px(t.value))}" y1="${height - m.bottom}" y2="${height - m.bottom + 4}" stroke="#666"/><text x="${coord(px(t.value))}" y="${height - m.bottom + 15}" text-anchor="middle" fill="#333">${escapeXml(t.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#666"/><line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#666"/>`,
    `<text x="${coord((m.left + width - m.right) / 2)}" y="${height - 4}" text-anchor="middle" fill="#333">${escapeXml(options.xLabel)}${useLog ? '; log-scale y' : ''}</text>`,
  );
  for (const s of series) {
    if (s.buckets.length === 0) continue;
    if (s.long) {
      const upper = s.buckets.map((b) => `${coord(px(b.x))},${coord(py(b.max))}`);
      const lower = s.buckets.map((b) => `${coord(px(b.x))},${coord(py(b.min))}`).reverse();
      parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.18" stroke="none"/>`);
    }
    if (s.buckets.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${s.buckets.map((b) => `${coord(px(b.x))},${coord(py(b.mean))}`).join(' ')}"/>`,
      );
    if (s.buckets.length <= 60) {
      for (const b of s.buckets) {
        const hover = `${s.name}, ${options.xLabel} ${formatNumber(b.x)}: ${formatNumber(b.mean)}${options.unit !== undefined ? ` ${options.unit}` : ''}`;
        parts.push(
          `<circle cx="${coord(px(b.x))}" cy="${coord(py(b.mean))}" r="${s.buckets.length <= 12 ? 3.5 : 2.2}" fill="${s.color}"><title>${escapeXml(hover)}</title></circle>`,
        );
      }
    }
  }
  if (legend) {
    let x = m.left;
    for (const s of series) {
      const name = `${s.name}${s.long ? ' (mean; band: min-max)' : ''}`;
      parts.push(
        `<rect x="${coord(x)}" y="25" width="14" height="3" fill="${s.color}"/><text x="${coord(x + 18)}" y="30" fill="#333">${escapeXml(name)}</text>`,
      );
      x += 30 + textWidth(name, 11);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
