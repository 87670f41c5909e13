import type { ArchitectureGraph } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { architectureSvg } from './graph-svg.js';
import { checkArchitectureGraph, layoutArchitectureGraph } from './graph-layout.js';

/** A DARTS-style cell: two inputs, three nodes, an output. */
const cell: ArchitectureGraph = {
  title: 'a cell',
  groups: [{ id: 'normal', label: 'normal cell' }],
  nodes: [
    { id: 'a', group: 'normal', label: 'c_{k-2}', role: 'input' },
    { id: 'b', group: 'normal', label: 'c_{k-1}', role: 'input' },
    { id: 'n0', group: 'normal', label: '0', role: 'node' },
    { id: 'n1', group: 'normal', label: '1', role: 'node' },
    { id: 'n2', group: 'normal', label: '2', role: 'node' },
    { id: 'out', group: 'normal', label: 'c_{k}', detail: 'concat', role: 'output' },
  ],
  edges: [
    { from: 'a', to: 'n0', label: 'sep_conv_3x3' },
    { from: 'a', to: 'n0', label: 'identity' },
    { from: 'b', to: 'n1', label: 'max_pool_3x3' },
    { from: 'n0', to: 'n1', label: 'sep_conv_5x5' },
    { from: 'a', to: 'n2', label: 'avg_pool_3x3' },
    { from: 'n1', to: 'n2', label: 'identity' },
    { from: 'n2', to: 'out' },
  ],
};

/** An encoder over its mirrored decoder. */
const chain: ArchitectureGraph = {
  title: 'a chain',
  groups: [
    { id: 'enc', label: 'encoder', diagram: 'autoencoder' },
    { id: 'dec', label: 'decoder', diagram: 'autoencoder', flow: 'backward' },
  ],
  nodes: [
    { id: 'in', group: 'enc', label: 'input', role: 'input' },
    { id: 'e0', group: 'enc', label: 'conv 3x3 /2', detail: '8 ch', role: 'node', kind: 'down' },
    { id: 'e1', group: 'enc', label: 'conv 5x5 /1', detail: '16 ch', role: 'node', kind: 'skip' },
    { id: 'd1', group: 'dec', label: 'deconv 5x5 /1', role: 'node' },
    { id: 'd0', group: 'dec', label: 'deconv 3x3 /2', role: 'node' },
    { id: 'out', group: 'dec', label: 'output', role: 'output' },
  ],
  edges: [
    { from: 'in', to: 'e0' },
    { from: 'e0', to: 'e1' },
    { from: 'e1', to: 'd1' },
    { from: 'e1', to: 'd1', kind: 'skip' },
    { from: 'd1', to: 'd0' },
    { from: 'd0', to: 'out' },
  ],
};

describe('layoutArchitectureGraph', () => {
  it('ranks a cell by longest path: inputs first, each node after its inputs, the output last', () => {
    const [layout] = layoutArchitectureGraph(cell);
    const column = Object.fromEntries(layout!.boxes.map((b) => [b.node.id, b.column]));
    expect(column).toEqual({ a: 0, b: 0, n0: 1, n1: 2, n2: 3, out: 4 });
    const x = Object.fromEntries(layout!.boxes.map((b) => [b.node.id, b.x]));
    expect(x.a).toBeLessThan(x.n0!);
    expect(x.n2).toBeLessThan(x.out!);
    expect(layout!.caption).toBe('normal cell');
  });

  it('is deterministic: the same graph gives the same layout and SVG', () => {
    expect(layoutArchitectureGraph(cell)).toEqual(layoutArchitectureGraph(cell));
    expect(architectureSvg(cell)).toBe(architectureSvg(structuredClone(cell)));
  });

  it('keeps boxes of one column apart and spreads the labels of parallel edges', () => {
    const [layout] = layoutArchitectureGraph(cell);
    const inputs = layout!.boxes.filter((b) => b.column === 0).sort((p, q) => p.y - q.y);
    expect(inputs[1]!.y).toBeGreaterThanOrEqual(inputs[0]!.y + inputs[0]!.height + 10);
    const parallel = layout!.edges.filter((e) => e.edge.from === 'a' && e.edge.to === 'n0').map((e) => e.label!.y);
    expect(Math.abs(parallel[0]! - parallel[1]!)).toBeGreaterThanOrEqual(12);
    expect(layout!.edges.find((e) => e.edge.to === 'out')!.label).toBeUndefined();
  });

  it('routes a long edge through the columns between its ends', () => {
    const [layout] = layoutArchitectureGraph(cell);
    const long = layout!.edges.find((e) => e.edge.from === 'a' && e.edge.to === 'n2')!;
    expect(long.path.match(/C/g)).toHaveLength(3);
  });

  it('puts a backward lane under its forward lane, each decoder layer under the layer it mirrors', () => {
    const [layout] = layoutArchitectureGraph(chain);
    const box = (id: string) => layout!.boxes.find((b) => b.node.id === id)!;
    expect(box('d1').column).toBe(box('e1').column);
    expect(box('d0').column).toBe(box('e0').column);
    expect(box('out').column).toBe(box('in').column);
    expect(box('d0').y).toBeGreaterThan(box('e0').y + box('e0').height);
    expect(layout!.caption).toBe('autoencoder');
    expect(layout!.lanes.map((l) => l.label)).toEqual(['encoder', 'decoder']);
  });

  it('makes one figure per group without a shared diagram', () => {
    const two: ArchitectureGraph = {
      ...cell,
      groups: [...cell.groups, { id: 'reduction', label: 'reduction cell' }],
      nodes: [...cell.nodes, { id: 'r', group: 'reduction', label: 'r', role: 'input' }],
    };
    expect(layoutArchitectureGraph(two).map((l) => l.caption)).toEqual(['normal cell', 'reduction cell']);
  });

  it('names the problem of a malformed graph', () => {
    expect(() => checkArchitectureGraph({ ...cell, edges: [{ from: 'a', to: 'nowhere' }] })).toThrow(/unknown node "nowhere"/);
    expect(() => checkArchitectureGraph({ ...cell, nodes: [...cell.nodes, cell.nodes[0]!] })).toThrow(/node id "a" appears twice/);
    expect(() => checkArchitectureGraph({ ...cell, nodes: [{ id: 'x', group: 'g', label: 'x', role: 'node' }] })).toThrow(/unknown group "g"/);
    expect(() => layoutArchitectureGraph({ ...cell, edges: [...cell.edges, { from: 'out', to: 'a' }] })).toThrow(/cycle/);
  });
});

describe('architectureSvg', () => {
  it('draws one box per node and one path per edge, skip connections dashed', () => {
    const svg = architectureSvg(chain);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect [^>]*rx=/g)).toHaveLength(chain.nodes.length);
    expect(svg.match(/<path d="M[^"]* C/g)).toHaveLength(chain.edges.length);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
  });

  it('escapes every text of the graph, and keeps its ids to the given prefix', () => {
    const evil = '<script>alert("x")</script> & \'';
    const graph: ArchitectureGraph = {
      title: evil,
      groups: [{ id: evil, label: evil, note: evil }],
      nodes: [
        { id: evil, group: evil, label: evil, detail: evil, role: 'input' },
        { id: 'b', group: evil, label: 'b', role: 'output' },
      ],
      edges: [{ from: evil, to: 'b', label: evil }],
    };
    const svg = architectureSvg(graph, { idPrefix: 'p"><x' });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('"x"');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;');
    expect(svg).toContain('id="p___x-arrow0"');
  });
});
