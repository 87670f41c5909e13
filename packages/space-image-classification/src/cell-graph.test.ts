import { describesArchitectureGraph, type Architecture } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { createImageClassificationSpace } from './image-classification-space.js';

describe('architectureGraph of the image-classification space', () => {
  const space = createImageClassificationSpace({ cells: 3, channels: 4, nodes: 3 });
  const architecture: Architecture = Object.fromEntries(space.variables.map((v) => [v.name, v.kind === 'categorical' ? v.choices.at(-1)! : 0]));

  it('is found by the core guard', () => {
    expect(describesArchitectureGraph(space)).toBe(true);
  });

  it('draws each cell as a DARTS genotype: c_{k-2}, c_{k-1}, the nodes, two labelled edges per node, c_{k} from the unread nodes', () => {
    const graph = space.architectureGraph(architecture);
    expect(graph.groups.map((g) => g.label)).toEqual(['normal cell', 'reduction cell']);
    const normal = graph.nodes.filter((n) => n.group === 'normal');
    expect(normal.map((n) => n.label)).toEqual(['c_{k-2}', 'c_{k-1}', '0', '1', '2', 'c_{k}']);
    // Every node reads the latest state offered: node 0 reads c_{k-1}, node i reads node i-1; only node 2 reaches the output.
    const edges = graph.edges.filter((e) => e.from.startsWith('normal/'));
    expect(edges).toContainEqual({ from: 'normal/c_{k-1}', to: 'normal/0', label: 'sep_conv_5x5' });
    expect(edges).toContainEqual({ from: 'normal/1', to: 'normal/2', label: 'sep_conv_5x5' });
    expect(edges.filter((e) => e.to === 'normal/c_{k}')).toEqual([{ from: 'normal/2', to: 'normal/c_{k}' }]);
    expect(edges.filter((e) => e.label !== undefined)).toHaveLength(6);
  });

  it('refuses an architecture of another space, naming the variable', () => {
    expect(() => space.architectureGraph({})).toThrow(/normal\.node0/);
  });
});
