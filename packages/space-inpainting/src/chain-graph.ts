import type { ArchitectureGraph, ArchitectureGraphEdge, ArchitectureGraphNode } from '@asng/core';
import { activeNodes, nodeLabel, type ChainGenes } from './architecture.js';

/**
 * The active chain of `genes` as a graph of two lanes of one figure: the
 * encoder left to right (the corrupted image, then each active node's
 * convolution with its kernel, stride and channels) and under it the mirrored
 * decoder right to left (each layer's transposed convolution under the
 * convolution it mirrors, then the 3x3 output layer under the input), with a
 * dashed skip connection from each skip node's encoder output to its decoder
 * layer. `title` heads the drawing.
 */
export function chainArchitectureGraph(genes: ChainGenes, title: string): ArchitectureGraph {
  const figure = `active chain: ${activeNodes(genes).length} of ${genes.nodes.length} nodes, encoder and mirrored decoder`;
  const active = activeNodes(genes);
  const nodes: ArchitectureGraphNode[] = [{ id: 'input', group: 'encoder', label: 'input', detail: 'corrupted image', role: 'input' }];
  const edges: ArchitectureGraphEdge[] = [];
  let previous = 'input';
  for (const i of active) {
    const g = genes.nodes[i]!;
    const shape = `${g.kernel}x${g.kernel} /${g.type === 'down' ? 2 : 1}`;
    nodes.push(
      { id: `enc-${i}`, group: 'encoder', label: `conv ${shape}`, detail: `${nodeLabel(i)}, ${g.channels} ch`, role: 'node', kind: g.type },
      {
        id: `dec-${i}`,
        group: 'decoder',
        label: `deconv ${shape}`,
        detail: `${g.channels} ch${g.type === 'skip' ? ', + skip' : ''}`,
        role: 'node',
        kind: g.type,
      },
    );
    edges.push({ from: previous, to: `enc-${i}` });
    if (g.type === 'skip') edges.push({ from: `enc-${i}`, to: `dec-${i}`, kind: 'skip' });
    previous = `enc-${i}`;
  }
  nodes.push({ id: 'output', group: 'decoder', label: 'deconv 3x3 /1', detail: 'restored image', role: 'output' });
  const reversed = [...active].reverse();
  if (reversed.length > 0) edges.push({ from: `enc-${reversed[0]}`, to: `dec-${reversed[0]}` });
  for (let k = 1; k < reversed.length; k++) edges.push({ from: `dec-${reversed[k - 1]}`, to: `dec-${reversed[k]}` });
  edges.push({ from: reversed.length > 0 ? `dec-${reversed.at(-1)}` : 'input', to: 'output' });
  return {
    title,
    groups: [
      {
        id: 'encoder',
        label: 'encoder: convolution, ReLU',
        diagram: figure,
        note: 'orange: down (stride 2); blue: skip (stride 1), its encoder output added to its decoder layer (dashed)',
      },
      { id: 'decoder', label: 'decoder: transposed convolution, ReLU (mirrored)', diagram: figure, flow: 'backward' },
    ],
    nodes,
    edges,
  };
}
