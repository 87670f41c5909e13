/** Escapes text for SVG and HTML content and attribute values (`&`, `<`, `>`, `"`, `'`). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A coordinate for an SVG attribute: at most two decimals, no `-0`. */
export const coord = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
};

/** Approximate width in pixels of `text` in a sans-serif font of `fontSize` (no DOM to measure with). */
export const textWidth = (text: string, fontSize = 12): number => text.length * fontSize * 0.58;

/**
 * A number for a label: integers as they are (thousands grouped from 10,000),
 * others with `digits` significant digits, tiny and huge ones in exponent form.
 */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(Math.max(0, digits - 2));
  return String(Number(v.toPrecision(digits)));
}
