import type { Architecture, ArchitectureGraph, ArchitectureGraphEdge, ArchitectureGraphNode } from '@asng/core';
import { CELL_TYPES, decodeCell } from './cell-architecture.js';

/** The DARTS name of a cell state: `c_{k-2}` and `c_{k-1}` for the cell inputs, the node's index for a node. */
const stateName = (index: number): string => (index === 0 ? 'c_{k-2}' : index === 1 ? 'c_{k-1}' : String(index - 2));

/**
 * The normal and the reduction cell of `architecture` as a graph, drawn as
 * DARTS and ENAS draw genotypes: the cell inputs `c_{k-2}` (the output of the
 * cell before the previous one) and `c_{k-1}`, the nodes `0 .. nodes-1`, one
 * edge per input of a node labelled with its operation, and the output
 * `c_{k}`, which concatenates the nodes no other node reads (then a 1x1
 * convolution). `title` heads the drawing.
 */
export function cellArchitectureGraph(architecture: Architecture, nodes: number, title: string): ArchitectureGraph {
  const graphNodes: ArchitectureGraphNode[] = [];
  const edges: ArchitectureGraphEdge[] = [];
  for (const type of CELL_TYPES) {
    const cell = decodeCell(architecture, type, nodes);
    const id = (state: number) => `${type}/${stateName(state)}`;
    graphNodes.push({ id: id(0), group: type, label: 'c_{k-2}', role: 'input' }, { id: id(1), group: type, label: 'c_{k-1}', role: 'input' });
    cell.nodes.forEach((node, i) => {
      graphNodes.push({ id: id(i + 2), group: type, label: String(i), role: 'node' });
      edges.push({ from: id(node.inputs[0]), to: id(i + 2), label: node.ops[0] }, { from: id(node.inputs[1]), to: id(i + 2), label: node.ops[1] });
    });
    const output = `${type}/c_{k}`;
    graphNodes.push({ id: output, group: type, label: 'c_{k}', detail: 'concat, conv 1x1', role: 'output' });
    for (const k of cell.outputNodes) edges.push({ from: id(k + 2), to: output });
  }
  return {
    title,
    groups: CELL_TYPES.map((type) => ({
      id: type,
      label: `${type} cell`,
      ...(type === 'reduction' ? { note: 'In a reduction cell, the operations on c_{k-2} and c_{k-1} have stride 2.' } : {}),
    })),
    nodes: graphNodes,
    edges,
  };
}
