/** The benchmark's HTML page: the table of found against random, self-contained. */

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A table: a header row and body rows of already formatted cells; `highlight` marks rows to emphasise. */
export interface HtmlTable {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly highlight?: readonly boolean[];
}

/**
 * A self-contained page (no script, no external resource): a title, lines
 * of text, the tables, then `extra` (already HTML, e.g. image grids), and
 * the settings as a definition list.
 */
export function qualityPage(title: string, lines: readonly string[], tables: readonly HtmlTable[], settings: unknown, extra = ''): string {
  const table = (t: HtmlTable) =>
    `<table><caption>${escapeXml(t.caption)}</caption><thead><tr>${t.header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
      .map((r, i) => `<tr${t.highlight?.[i] ? ' class="found"' : ''}>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const flat = flatten(settings);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;padding:0 1em}table{border-collapse:collapse;margin:1em 0}caption{text-align:left;font-weight:600;padding:.3em 0}td,th{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:right}td:first-child,th:first-child{text-align:left}tr.found{background:#e8f4ea;font-weight:600}dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dt{color:#555}.images img{image-rendering:pixelated;display:block}.images td{padding:2px}</style>
</head><body><h1>${escapeXml(title)}</h1>${lines.map((l) => `<p>${escapeXml(l)}</p>`).join('')}${tables.map(table).join('')}${extra}
<h2>Settings</h2><dl>${flat.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl></body></html>
`;
}

/** `{a: {b: 1}}` as `[['a.b', '1']]`. */
function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(value) ? value.join(', ') : String(value)]];
}
