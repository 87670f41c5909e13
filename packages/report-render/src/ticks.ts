import { formatNumber } from './escape.js';

/** An axis: its domain and the ticks to label, with their text. */
export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly scale: 'linear' | 'log';
  readonly ticks: readonly { readonly value: number; readonly label: string }[];
}

/** The step of about `count` intervals over `span`: 1, 2 or 5 times a power of ten. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

const decimalsOf = (step: number) => Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)));

/**
 * A linear axis over `[lo, hi]` widened to whole steps, with about `count`
 * ticks. `integer`: whole-number ticks only (epochs, steps), never a label
 * twice; a single value gets one tick in the middle.
 */
export function linearAxis(lo: number, hi: number, options: { count?: number; integer?: boolean } = {}): Axis {
  const count = options.count ?? 5;
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new RangeError(`linearAxis: expected finite bounds, got [${lo}, ${hi}]`);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = options.integer ? 0.5 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    const label = options.integer ? String(Math.round(lo)) : formatNumber(lo);
    return { min: lo - pad, max: hi + pad, scale: 'linear', ticks: [{ value: lo, label }] };
  }
  let step = niceStep(hi - lo, count);
  if (options.integer) step = Math.max(1, Math.round(step));
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const first = Math.ceil(min / step - 1e-9) * step;
  const decimals = options.integer ? 0 : decimalsOf(step);
  const ticks: { value: number; label: string }[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) {
    const value = Number(v.toFixed(decimals));
    const label = Math.abs(value) >= 1e6 || (Math.abs(value) < 1e-4 && value !== 0) ? value.toExponential(1) : value.toFixed(decimals);
    if (ticks.at(-1)?.label !== label) ticks.push({ value, label: value >= 10_000 && decimals === 0 ? value.toLocaleString('en-US') : label });
  }
  return { min, max, scale: 'linear', ticks };
}

/** A log-10 axis over positive `[lo, hi]`: whole decades, with 2 and 5 between them over at most two decades. */
export function logAxis(lo: number, hi: number): Axis {
  if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi))) throw new RangeError(`logAxis: expected positive finite bounds, got [${lo}, ${hi}]`);
  if (lo > hi) [lo, hi] = [hi, lo];
  const d0 = Math.floor(Math.log10(lo) + 1e-9);
  const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi) - 1e-9));
  const multiples = d1 - d0 <= 2 ? [1, 2, 5] : [1];
  const ticks: { value: number; label: string }[] = [];
  for (let d = d0; d <= d1; d++) {
    for (const m of multiples) {
      const value = Number((m * 10 ** d).toPrecision(12));
      if (value >= 10 ** d0 && value <= 10 ** d1) ticks.push({ value, label: formatNumber(value) });
    }
  }
  return { min: 10 ** d0, max: 10 ** d1, scale: 'log', ticks };
}

/**
 * Whether values span enough decades to read better on a log scale: all
 * positive, and the largest at least `ratio` times the smallest.
 */
export function spansDecades(values: readonly number[], ratio = 100): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) >= ratio;
}

/** Maps a value of `axis` to `[from, to]` (pixels). */
export function scaleOf(axis: Axis, from: number, to: number): (v: number) => number {
  if (axis.scale === 'log') {
    const [a, b] = [Math.log10(axis.min), Math.log10(axis.max)];
    return (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from);
  }
  return (v) => from + ((v - axis.min) / (axis.max - axis.min)) * (to - from);
}
