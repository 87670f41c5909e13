import type { ArchitectureDescription } from '@asng/core';
import { activeNodes, nodeLabel, type ChainGenes } from './architecture.js';

/**
 * The text of the active chain of `genes`: the active nodes, the encoder's
 * layers, the mirrored decoder's (with the skip connections) and the output.
 * Its diagram is the space's `architectureGraph` (`chainArchitectureGraph`),
 * drawn by `@asng/report-render`.
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
  return { text: lines.join('\n') };
}
