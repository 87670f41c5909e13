import type { ArchitectureDescription } from '@asng/core';
import { activeNodes, nodeLabel, type ChainGenes } from './architecture.js';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text and an SVG diagram of the active chain of `genes`: the encoder along
 * the top row, the mirrored decoder back along the bottom row, and a vertical
 * arrow for each skip connection.
 */
export function describeChain(genes: ChainGenes): ArchitectureDescription {
  const active = activeNodes(genes);
  const encoder = active.map((i) => {
    const g = genes.nodes[i]!;
    return { i, g, label: `${nodeLabel(i)}: conv ${g.kernel}x${g.kernel}/${g.type === 'down' ? 2 : 1}, ${g.channels} ch` };
  });
  const lines = [
    `active nodes: ${active.length === 0 ? 'none' : active.map(nodeLabel).join(' -> ')} (of ${genes.nodes.length})`,
    'encoder (conv, ReLU):',
    ...encoder.map((e) => `  ${e.label}${e.g.type === 'skip' ? ', skip' : ''}`),
    'decoder (transposed conv, ReLU), mirrored:',
    ...[...encoder]
      .reverse()
      .map(
        (e) =>
          `  ${nodeLabel(e.i)}: deconv ${e.g.kernel}x${e.g.kernel}/${e.g.type === 'down' ? 2 : 1}, ${e.g.channels} ch${e.g.type === 'skip' ? `, + ${nodeLabel(e.i)} encoder output before the ReLU` : ''}`,
      ),
    'output: deconv 3x3/1 to the image channels, no activation',
    'no batch norm, no bias; a down node meeting a 1-pixel-high or -wide map is left out',
  ];

  const boxW = 150;
  const boxH = 34;
  const gap = 24;
  const columns = encoder.length + 1;
  const width = columns * (boxW + gap) + gap;
  const height = 2 * boxH + 3 * gap + 30;
  const x = (col: number) => gap + col * (boxW + gap);
  const [topY, bottomY] = [gap, 2 * gap + boxH + 30];
  const parts: string[] = [];
  const box = (bx: number, by: number, text: string, fill: string) =>
    parts.push(
      `<rect x="${bx}" y="${by}" width="${boxW}" height="${boxH}" rx="4" fill="${fill}" stroke="#333"/>` +
        `<text x="${bx + boxW / 2}" y="${by + boxH / 2 + 4}" font-size="11" text-anchor="middle" font-family="sans-serif">${escapeXml(text)}</text>`,
    );
  const arrow = (x1: number, y1: number, x2: number, y2: number, dashed = false) =>
    parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#333" marker-end="url(#arrow)"${dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
  box(x(0), topY, 'input (corrupted image)', '#eee');
  box(x(0), bottomY, 'output: deconv 3x3', '#eee');
  encoder.forEach((e, j) => {
    const col = j + 1;
    box(x(col), topY, e.label, e.g.type === 'skip' ? '#d8ecff' : '#ffe9cc');
    box(x(col), bottomY, `deconv ${e.g.kernel}x${e.g.kernel}/${e.g.type === 'down' ? 2 : 1}, ${e.g.channels} ch`, e.g.type === 'skip' ? '#d8ecff' : '#ffe9cc');
    arrow(x(col - 1) + boxW, topY + boxH / 2, x(col), topY + boxH / 2);
    arrow(x(col), bottomY + boxH / 2, x(col - 1) + boxW, bottomY + boxH / 2);
    if (e.g.type === 'skip') arrow(x(col) + boxW / 2, topY + boxH, x(col) + boxW / 2, bottomY, true);
  });
  const last = x(columns - 1) + boxW;
  parts.push(`<path d="M ${last} ${topY + boxH / 2} h ${gap / 2} V ${bottomY + boxH / 2} h ${-gap / 2}" fill="none" stroke="#333" marker-end="url(#arrow)"/>`);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>` +
    parts.join('') +
    `<text x="${gap}" y="${height - 8}" font-size="11" font-family="sans-serif">blue: skip (stride 1, dashed skip connection); orange: down (stride 2)</text>` +
    '</svg>';
  return { text: lines.join('\n'), diagrams: { 'active chain': svg } };
}
