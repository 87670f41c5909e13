import { escapeXml } from '@asng/report-render';
import type { Comparison } from '@asng/sweep';

/** Columns of the found-against-random table. */
export const COMPARISON_HEADER = ['comparison', 'search', 'metric', 'found', 'rank', 'random mean ± std', 'random best', 'random values', 'done'];

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(4));

/** One row per comparison and metric: the found value, its rank among the random ones, their statistics. */
export function comparisonRows(comparisons: readonly Comparison[]): string[][] {
  return comparisons.flatMap((c) =>
    (c.metrics.length > 0 ? c.metrics : [undefined]).map((m) => [
      c.entry,
      c.search,
      m === undefined ? '-' : `${m.metric} (${m.higherIsBetter ? 'higher' : 'lower'} is better)`,
      fmt(m?.found),
      m?.foundRank === undefined ? '-' : `${m.foundRank} of ${m.random.length + 1}`,
      m === undefined || m.random.length === 0 ? '-' : `${fmt(m.randomMean)} ± ${m.randomStd.toFixed(4)}`,
      fmt(m?.randomBest),
      m === undefined ? '' : m.random.map((r) => `${r.index}: ${fmt(r.value)}`).join(', '),
      `${c.completed}/${c.jobs}`,
    ]),
  );
}

/** The HTML section of the sweep page: the table, with the parameter counts, and the protocol in one sentence. */
export function comparisonSection(comparisons: readonly Comparison[]): string {
  if (comparisons.length === 0) return '';
  const rows = comparisonRows(comparisons)
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('');
  const parameters = comparisons
    .map(
      (c) =>
        `<li>${escapeXml(c.entry)} / ${escapeXml(c.search)}: found ${fmt(c.parameters.found)} trainable parameters; random ${
          c.parameters.random.map((r) => `${r.index}: ${r.value}`).join(', ') || '-'
        }</li>`,
    )
    .join('');
  return `<h2>Found against random</h2>
<p>Each search's most likely architecture and K architectures drawn uniformly from its space, retrained alike (<code>asng retrain</code> with the same options; the random ones with <code>--random-architecture I</code>) and tested on the same split. Rank 1 is the best.</p>
<table><thead><tr>${COMPARISON_HEADER.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
<ul>${parameters}</ul>`;
}
