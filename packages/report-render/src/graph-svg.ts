import type { ArchitectureGraph, ArchitectureGraphNode } from '@asng/core';
import { coord, escapeXml } from './escape.js';
import { layoutArchitectureGraph, type DiagramLayout } from './graph-layout.js';

/** Options of {@link architectureSvg}. */
export interface ArchitectureSvgOptions {
  /**
   * Prefix of the ids inside the SVG (its arrow markers): give each SVG of
   * one HTML page its own, since ids are shared by the whole page.
   * @default 'asng-graph'
   */
  readonly idPrefix?: string;
}

/** Fill colours of the boxes: by role, then by the node's `kind` where one is known. */
const FILLS: Readonly<Record<string, string>> = {
  input: '#cfe8cf',
  node: '#cde4f7',
  output: '#f3ecb0',
  down: '#ffdcb0',
  skip: '#cde4f7',
};

/** Colours of edge labels (operations), given in order of first appearance, so one operation keeps its colour across figures. */
const EDGE_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e', '#7f7f7f'];

/**
 * The figures of an architecture graph as one self-contained SVG, one figure
 * under the other: boxes for the nodes (inputs green, nodes blue, outputs
 * yellow), arrows labelled with their operations (one colour per operation),
 * skip connections dashed. Every text of the graph is escaped.
 */
export function architectureSvg(graph: ArchitectureGraph, options: ArchitectureSvgOptions = {}): string {
  const prefix = (options.idPrefix ?? 'asng-graph').replace(/[^A-Za-z0-9_-]/g, '_');
  const layouts = layoutArchitectureGraph(graph);
  const colours = new Map<string, string>();
  for (const e of graph.edges) {
    if (e.label !== undefined && !colours.has(e.label)) colours.set(e.label, EDGE_COLOURS[colours.size % EDGE_COLOURS.length]!);
  }
  const titleHeight = 24;
  const width = Math.max(240, ...layouts.map((l) => l.width));
  let y = titleHeight;
  const figures = layouts.map((layout) => {
    const g = `<g transform="translate(0,${coord(y)})" data-diagram="${escapeXml(layout.id)}">${diagram(layout, colours, prefix)}</g>`;
    y += layout.height + 10;
    return g;
  });
  const height = Math.max(y, titleHeight + 20);
  const markers = [...new Set(['#555', ...colours.values()])]
    .map(
      (c, i) =>
        `<marker id="${prefix}-arrow${i}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${coord(width)}" height="${coord(height)}" viewBox="0 0 ${coord(width)} ${coord(height)}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(graph.title)}" data-figure="architecture">` +
    `<title>${escapeXml(graph.title)}</title><defs>${markers}</defs><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="14" y="17" font-size="13" font-weight="bold">${escapeXml(graph.title)}</text>${figures.join('')}</svg>`
  );
}

function diagram(layout: DiagramLayout, colours: ReadonlyMap<string, string>, prefix: string): string {
  const markerOf = new Map([...new Set(['#555', ...colours.values()])].map((c, i) => [c, `${prefix}-arrow${i}`]));
  const parts: string[] = [`<text x="14" y="16" font-size="13" font-weight="600">${escapeXml(layout.caption)}</text>`];
  const labels: string[] = [];
  if (layout.lanes.length > 1) {
    for (const lane of layout.lanes)
      labels.push(
        `<text x="14" y="${coord(lane.y)}" font-size="11" fill="#555" font-style="italic" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(lane.label)}</text>`,
      );
  }
  for (const e of layout.edges) {
    const colour = e.edge.label !== undefined ? colours.get(e.edge.label)! : '#555';
    const dashed = e.edge.kind === 'skip' ? ' stroke-dasharray="5 4"' : '';
    const hover = `${e.edge.from} -> ${e.edge.to}${e.edge.label !== undefined ? `: ${e.edge.label}` : ''}${e.edge.kind === 'skip' ? ' (skip connection)' : ''}`;
    parts.push(
      `<path d="${e.path}" fill="none" stroke="${colour}" stroke-width="1.6"${dashed} marker-end="url(#${markerOf.get(colour)})"><title>${escapeXml(hover)}</title></path>`,
    );
    if (e.label !== undefined && e.edge.label !== undefined) {
      labels.push(
        `<text x="${coord(e.label.x)}" y="${coord(e.label.y)}" text-anchor="${e.label.anchor}" font-size="10" fill="${colour}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(e.edge.label)}</text>`,
      );
    }
  }
  for (const b of layout.boxes) parts.push(box(b.node, b.x, b.y, b.width, b.height));
  if (layout.note !== undefined) parts.push(`<text x="14" y="${coord(layout.height - 8)}" font-size="11" fill="#555">${escapeXml(layout.note)}</text>`);
  return parts.join('') + labels.join('');
}

function box(node: ArchitectureGraphNode, x: number, y: number, width: number, height: number): string {
  const fill = (node.role === 'node' && node.kind !== undefined ? FILLS[node.kind] : undefined) ?? FILLS[node.role]!;
  const cx = x + width / 2;
  const text =
    node.detail === undefined
      ? `<text x="${coord(cx)}" y="${coord(y + height / 2 + 4)}" text-anchor="middle">${escapeXml(node.label)}</text>`
      : `<text x="${coord(cx)}" y="${coord(y + 16)}" text-anchor="middle">${escapeXml(node.label)}</text><text x="${coord(cx)}" y="${coord(y + 30)}" text-anchor="middle" font-size="10" fill="#444">${escapeXml(node.detail)}</text>`;
  const hover = `${node.label}${node.detail !== undefined ? `, ${node.detail}` : ''}`;
  return `<g data-node="${escapeXml(node.id)}"><title>${escapeXml(hover)}</title><rect x="${coord(x)}" y="${coord(y)}" width="${coord(width)}" height="${coord(height)}" rx="${node.role === 'node' ? 4 : 12}" fill="${fill}" stroke="#444"/>${text}</g>`;
}
