import type { ArchitectureGraph, ArchitectureGraphEdge, ArchitectureGraphGroup, ArchitectureGraphNode } from '@asng/core';
import { textWidth } from './escape.js';

/** A node's box, placed. */
export interface PlacedBox {
  readonly node: ArchitectureGraphNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Index of the node's group among the diagram's lanes. */
  readonly lane: number;
  /** Column, from 0 at the left. */
  readonly column: number;
}

/** An edge, routed: an SVG path and where its label goes. */
export interface PlacedEdge {
  readonly edge: ArchitectureGraphEdge;
  /** SVG path data, from the source's port to the target's. */
  readonly path: string;
  readonly label?: { readonly x: number; readonly y: number; readonly anchor: 'middle' | 'start' };
}

/** One figure: the groups that share a `diagram`, as lanes. */
export interface DiagramLayout {
  readonly id: string;
  /** The groups' `diagram`, or the label of a group drawn alone. */
  readonly caption: string;
  readonly note?: string;
  readonly width: number;
  readonly height: number;
  /** The lanes' labels and where each lane starts (only drawn when the figure has several lanes). */
  readonly lanes: readonly { readonly label: string; readonly y: number }[];
  readonly boxes: readonly PlacedBox[];
  readonly edges: readonly PlacedEdge[];
}

const MARGIN = 14;
const CAPTION = 22;
const LANE_LABEL = 18;
const LANE_GAP = 36;
const ROW_GAP = 22;
const MIN_GAP = 34;
const DUMMY_HEIGHT = 8;

type Item = { readonly node: number; width: number; height: number } | { readonly dummy: true; width: number; height: number };

/** Throws a `RangeError` naming the first problem of `graph`: duplicate ids, unknown groups or nodes. */
export function checkArchitectureGraph(graph: ArchitectureGraph): void {
  const groups = new Set<string>();
  for (const g of graph.groups) {
    if (groups.has(g.id)) throw new RangeError(`architecture graph: group id ${JSON.stringify(g.id)} appears twice`);
    groups.add(g.id);
  }
  const nodes = new Set<string>();
  for (const n of graph.nodes) {
    if (nodes.has(n.id)) throw new RangeError(`architecture graph: node id ${JSON.stringify(n.id)} appears twice`);
    if (!groups.has(n.group)) throw new RangeError(`architecture graph: node ${JSON.stringify(n.id)} names an unknown group ${JSON.stringify(n.group)}`);
    nodes.add(n.id);
  }
  for (const e of graph.edges) {
    for (const end of [e.from, e.to])
      if (!nodes.has(end))
        throw new RangeError(`architecture graph: edge ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)} names an unknown node ${JSON.stringify(end)}`);
  }
}

/** Longest-path ranks (sources 0), found in node order so that equal graphs rank alike; throws on a cycle. */
function ranks(count: number, edges: readonly (readonly [number, number])[], name: string): number[] {
  const rank = new Array<number>(count).fill(0);
  const indegree = new Array<number>(count).fill(0);
  for (const [, t] of edges) indegree[t]!++;
  const done = new Array<boolean>(count).fill(false);
  for (let processed = 0; processed < count; processed++) {
    const next = indegree.findIndex((d, i) => d === 0 && !done[i]);
    if (next < 0) throw new RangeError(`architecture graph: the edges of ${JSON.stringify(name)} form a cycle`);
    done[next] = true;
    for (const [s, t] of edges) {
      if (s !== next) continue;
      rank[t] = Math.max(rank[t]!, rank[s]! + 1);
      indegree[t]!--;
    }
  }
  return rank;
}

/**
 * Lays out every figure of `graph`: a layered layout (ranks by longest path,
 * long edges through placeholder slots, orders within a column by barycentre
 * sweeps, stable sorts), so that the same graph always gives the same
 * drawing. Lanes of a figure stack top to bottom; a `'backward'` lane mirrors
 * its columns.
 */
export function layoutArchitectureGraph(graph: ArchitectureGraph): DiagramLayout[] {
  checkArchitectureGraph(graph);
  const figures = new Map<string, ArchitectureGraphGroup[]>();
  for (const g of graph.groups) {
    const key = g.diagram ?? g.id;
    figures.set(key, [...(figures.get(key) ?? []), g]);
  }
  return [...figures].map(([id, groups]) => layoutDiagram(id, groups, graph));
}

function layoutDiagram(id: string, groups: readonly ArchitectureGraphGroup[], graph: ArchitectureGraph): DiagramLayout {
  const laneOf = new Map(groups.map((g, i) => [g.id, i]));
  const nodes = graph.nodes.filter((n) => laneOf.has(n.group));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const edges = graph.edges.filter((e) => index.has(e.from) || index.has(e.to));
  for (const e of edges) {
    if (!(index.has(e.from) && index.has(e.to)))
      throw new RangeError(`architecture graph: edge ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)} joins two figures`);
  }
  const pairs = edges.map((e) => [index.get(e.from)!, index.get(e.to)!] as const);
  const rank = ranks(nodes.length, pairs, groups[0]!.label);
  const maxRank = Math.max(0, ...rank);
  const lane = nodes.map((n) => laneOf.get(n.group)!);
  const rawColumn = nodes.map((_, i) => (groups[lane[i]!]!.flow === 'backward' ? maxRank - rank[i]! : rank[i]!));
  const shift = Math.min(0, ...rawColumn);
  const column = rawColumn.map((c) => c - shift);
  const columns = Math.max(0, ...column) + 1;

  // Items: the nodes, then one placeholder per column an edge crosses inside its lane.
  const items: Item[] = nodes.map((n, i) => ({
    node: i,
    width: Math.max(44, textWidth(n.label, 12), textWidth(n.detail ?? '', 10)) + 20,
    height: n.detail !== undefined ? 38 : 26,
  }));
  const itemLane = [...lane];
  const itemColumn = [...column];
  const chains = pairs.map(([s, t]) => {
    const chain = [s];
    if (lane[s] === lane[t] && Math.abs(column[t]! - column[s]!) > 1) {
      const dir = Math.sign(column[t]! - column[s]!);
      for (let c = column[s]! + dir; c !== column[t]; c += dir) {
        chain.push(items.length);
        items.push({ dummy: true, width: 0, height: DUMMY_HEIGHT });
        itemLane.push(lane[s]!);
        itemColumn.push(c);
      }
    }
    chain.push(t);
    return chain;
  });
  const cells: number[][][] = groups.map(() => Array.from({ length: columns }, () => []));
  items.forEach((_, i) => cells[itemLane[i]!]![itemColumn[i]!]!.push(i));
  orderByBarycentre(cells, chains, itemColumn, itemLane);

  // Columns as wide as their widest box; gaps as wide as the labels that sit in them.
  const colWidth = Array.from({ length: columns }, (_, c) => Math.max(10, ...cells.map((l) => Math.max(0, ...l[c]!.map((i) => items[i]!.width)))));
  const gap = new Array<number>(Math.max(0, columns - 1)).fill(MIN_GAP);
  chains.forEach((chain, e) => {
    const label = edges[e]!.label;
    if (label === undefined || chain.length < 2) return;
    const [a, b] = [chain.at(-2)!, chain.at(-1)!];
    if (itemColumn[a] === itemColumn[b]) return;
    const g = Math.min(itemColumn[a]!, itemColumn[b]!);
    gap[g] = Math.max(gap[g]!, textWidth(label, 10) + 44);
  });
  const colX: number[] = [MARGIN];
  for (let c = 1; c < columns; c++) colX.push(colX[c - 1]! + colWidth[c - 1]! + gap[c - 1]!);
  const several = groups.length > 1;
  const laneTop: number[] = [];
  let y = CAPTION + 6;
  const pos = new Array<{ x: number; y: number }>(items.length);
  cells.forEach((laneCells, _l) => {
    if (several) y += LANE_LABEL;
    laneTop.push(y);
    const stack = laneCells.map((ids) => ids.reduce((h, i) => h + items[i]!.height, 0) + ROW_GAP * Math.max(0, ids.length - 1));
    const laneHeight = Math.max(26, ...stack);
    laneCells.forEach((ids, c) => {
      let at = y + (laneHeight - stack[c]!) / 2;
      for (const i of ids) {
        pos[i] = { x: colX[c]! + (colWidth[c]! - items[i]!.width) / 2, y: at };
        at += items[i]!.height + ROW_GAP;
      }
    });
    y += laneHeight + LANE_GAP;
  });
  const note = groups.find((g) => g.note !== undefined)?.note;
  const height = y - LANE_GAP + MARGIN + (note !== undefined ? 18 : 0);
  const width = colX[columns - 1]! + colWidth[columns - 1]! + MARGIN;
  const boxes: PlacedBox[] = nodes.map((node, i) => ({
    node,
    ...pos[i]!,
    width: items[i]!.width,
    height: items[i]!.height,
    lane: lane[i]!,
    column: column[i]!,
  }));
  const placed = routeEdges(edges, chains, items, pos, itemColumn, itemLane);
  return {
    id,
    caption: groups.length > 1 || groups[0]!.diagram !== undefined ? id : groups[0]!.label,
    ...(note !== undefined ? { note } : {}),
    width,
    height,
    lanes: groups.map((g, l) => ({ label: g.label, y: laneTop[l]! - 5 })),
    boxes,
    edges: placed,
  };
}

/** Four sweeps (left to right, right to left, ...) sorting each column by the mean centred position of its neighbours in the column before. */
function orderByBarycentre(cells: number[][][], chains: readonly number[][], itemColumn: readonly number[], itemLane: readonly number[]): void {
  const neighbours = new Map<number, number[]>();
  for (const chain of chains) {
    for (let k = 1; k < chain.length; k++) {
      const [a, b] = [chain[k - 1]!, chain[k]!];
      if (itemLane[a] !== itemLane[b]) continue;
      neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
      neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
    }
  }
  const where = new Map<number, number>();
  const centre = (ids: readonly number[]) => ids.forEach((id, k) => where.set(id, k - (ids.length - 1) / 2));
  cells.forEach((l) => l.forEach(centre));
  for (let sweep = 0; sweep < 4; sweep++) {
    const forward = sweep % 2 === 0;
    for (const laneCells of cells) {
      const order = laneCells.map((_, c) => c);
      if (!forward) order.reverse();
      for (const c of order) {
        const from = forward ? c - 1 : c + 1;
        const key = (id: number) => {
          const near = (neighbours.get(id) ?? []).filter((n) => itemColumn[n] === from);
          return near.length === 0 ? where.get(id)! : near.reduce((s, n) => s + where.get(n)!, 0) / near.length;
        };
        const keys = new Map(laneCells[c]!.map((id) => [id, key(id)]));
        laneCells[c]!.sort((a, b) => keys.get(a)! - keys.get(b)!);
        centre(laneCells[c]!);
      }
    }
  }
}

function routeEdges(
  edges: readonly ArchitectureGraphEdge[],
  chains: readonly number[][],
  items: readonly Item[],
  pos: readonly { x: number; y: number }[],
  itemColumn: readonly number[],
  itemLane: readonly number[],
): PlacedEdge[] {
  // Edges between the same two nodes are spread apart, so their lines and labels do not overlap.
  const seen = new Map<string, number>();
  const total = new Map<string, number>();
  for (const e of edges) total.set(`${e.from}\n${e.to}`, (total.get(`${e.from}\n${e.to}`) ?? 0) + 1);
  const r = (v: number) => Math.round(v * 10) / 10;
  const gapOf: string[] = [];
  const placed = edges.map((edge, e) => {
    const key = `${edge.from}\n${edge.to}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    const offset = (k - (total.get(key)! - 1) / 2) * 9;
    const chain = chains[e]!;
    let path = '';
    let label: PlacedEdge['label'];
    for (let s = 1; s < chain.length; s++) {
      const [a, b] = [chain[s - 1]!, chain[s]!];
      const [pa, pb, ia, ib] = [pos[a]!, pos[b]!, items[a]!, items[b]!];
      let x1: number, y1: number, x2: number, y2: number;
      const first = s === 1;
      const last = s === chain.length - 1;
      if (itemLane[a] === itemLane[b] && itemColumn[a] !== itemColumn[b]) {
        const right = itemColumn[b]! > itemColumn[a]!;
        x1 = right ? pa.x + ia.width : pa.x;
        x2 = right ? pb.x : pb.x + ib.width;
        y1 = pa.y + ia.height / 2 + (first ? offset : 0);
        y2 = pb.y + ib.height / 2 + (last ? offset : 0);
        const mx = (x1 + x2) / 2;
        path += `${first ? `M${r(x1)},${r(y1)}` : ''} C${r(mx)},${r(y1)} ${r(mx)},${r(y2)} ${r(x2)},${r(y2)}`;
        if (last && edge.label !== undefined) {
          label = { x: r(mx), y: r((y1 + y2) / 2 + 3), anchor: 'middle' };
          gapOf[e] = `${itemLane[a]} ${Math.min(itemColumn[a]!, itemColumn[b]!)}`;
        }
      } else {
        const down = itemLane[b]! > itemLane[a]! || (itemLane[a] === itemLane[b] && pb.y > pa.y);
        x1 = pa.x + ia.width / 2 + offset;
        x2 = pb.x + ib.width / 2 + offset;
        y1 = down ? pa.y + ia.height : pa.y;
        y2 = down ? pb.y : pb.y + ib.height;
        const my = (y1 + y2) / 2;
        path += `${first ? `M${r(x1)},${r(y1)}` : ''} C${r(x1)},${r(my)} ${r(x2)},${r(my)} ${r(x2)},${r(y2)}`;
        if (last && edge.label !== undefined) label = { x: r((x1 + x2) / 2 + 5), y: r(my + 4), anchor: 'start' };
      }
    }
    return { edge, path: path.trim(), ...(label !== undefined ? { label } : {}) };
  });
  spreadLabels(placed, gapOf);
  return placed;
}

/** Labels that share a gap between two columns are moved apart vertically (at least 12 px between baselines), keeping their order and mean height. */
function spreadLabels(placed: { label?: { x: number; y: number; anchor: 'middle' | 'start' } }[], gapOf: readonly string[]): void {
  const byGap = new Map<string, number[]>();
  gapOf.forEach((g, e) => byGap.set(g, [...(byGap.get(g) ?? []), e]));
  for (const ids of byGap.values()) {
    const order = [...ids].sort((a, b) => placed[a]!.label!.y - placed[b]!.label!.y || a - b);
    const before = order.map((e) => placed[e]!.label!.y);
    const after = [...before];
    for (let k = 1; k < after.length; k++) after[k] = Math.max(after[k]!, after[k - 1]! + 12);
    const shift = (after.reduce((s, v) => s + v, 0) - before.reduce((s, v) => s + v, 0)) / after.length;
    order.forEach((e, k) => {
      placed[e]!.label = { ...placed[e]!.label!, y: Math.round((after[k]! - shift) * 10) / 10 };
    });
  }
}
