import { stateLabel, type CellGenotype, type CellType } from './cell-architecture.js';

/** One line per node and one for the output: `node 1 = sep_conv_3x3(cell input 0) + identity(node 0)`. */
export function cellText(type: CellType, genotype: CellGenotype): string {
  const lines = genotype.nodes.map((node, i) => `  node ${i} = ${node.ops[0]}(${stateLabel(node.inputs[0])}) + ${node.ops[1]}(${stateLabel(node.inputs[1])})`);
  const outs = genotype.outputNodes.map((k) => `node ${k}`).join(', ');
  return [`${type} cell:`, ...lines, `  output = ReLU-conv1x1-BN(concat(${outs}))`].join('\n');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A self-contained SVG of a cell: the two cell inputs on the left, the nodes
 * in order, the output on the right; each edge is labelled with its operation.
 */
export function cellSvg(type: CellType, genotype: CellGenotype): string {
  const n = genotype.nodes.length;
  const boxW = 96;
  const boxH = 30;
  const colW = 150;
  const rowH = 74;
  const width = (n + 2) * colW + 40;
  const height = 2 * rowH + 110;
  // Inputs in column 0 (two rows); node k in column k + 1, alternating rows; output in the last column.
  const pos = (state: number): [number, number] =>
    state < 2 ? [20, 50 + state * rowH * 1.5] : [20 + (state - 1) * colW, 50 + ((state - 2) % 2) * rowH + rowH / 2];
  const out: [number, number] = [20 + (n + 1) * colW, 50 + rowH * 0.75];
  const parts: string[] = [];
  const box = (x: number, y: number, label: string, fill: string) =>
    parts.push(
      `<rect x="${x}" y="${y}" width="${boxW}" height="${boxH}" rx="6" fill="${fill}" stroke="#333"/>`,
      `<text x="${x + boxW / 2}" y="${y + boxH / 2 + 4}" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  const edge = (from: [number, number], to: [number, number], label: string, colour: string, offset: number) => {
    const x1 = from[0] + boxW;
    const y1 = from[1] + boxH / 2;
    const x2 = to[0];
    const y2 = to[1] + boxH / 2 + offset;
    const mx = (x1 + x2) / 2;
    parts.push(
      `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none" stroke="${colour}" stroke-width="1.5" marker-end="url(#arrow-${type})"/>`,
    );
    if (label !== '') {
      const ly = (y1 + y2) / 2 - 3;
      parts.push(
        `<text x="${mx}" y="${ly}" text-anchor="middle" font-size="10" fill="${colour}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`,
      );
    }
  };
  const colours = ['#1f77b4', '#d62728'];
  genotype.nodes.forEach((node, i) => {
    edge(pos(node.inputs[0]), pos(i + 2), node.ops[0], colours[0]!, -6);
    edge(pos(node.inputs[1]), pos(i + 2), node.ops[1], colours[1]!, 6);
  });
  for (const k of genotype.outputNodes) edge(pos(k + 2), out, '', '#777', 0);
  box(...pos(0), 'cell input 0', '#eee');
  box(...pos(1), 'cell input 1', '#eee');
  for (let i = 0; i < n; i++) box(...pos(i + 2), `node ${i}`, '#cfe8ff');
  box(...out, 'output (concat)', '#ffe0b3');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(`${type} cell`)}</title>`,
    `<defs><marker id="arrow-${type}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<text x="20" y="24" font-size="14" font-weight="bold">${escapeXml(`${type} cell`)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
