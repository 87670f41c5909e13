import { describesArchitectureGraph, type Architecture } from '@asng/core';
import { describe, expect, it } from 'vitest';
import { createInpaintingSpace } from './inpainting-space.js';

describe('architectureGraph of the inpainting space', () => {
  const space = createInpaintingSpace({ encoding: 'categorical', nodes: 4, levelBack: 2, channels: [8, 16] });
  // node0 <- input, node1 <- node0 (skip), node2 <- node0, node3 <- node2; the output reads node3: active 0, 2, 3.
  const architecture: Architecture = {
    'node0.module': 'down-3x3',
    'node0.channels': 8,
    'node0.input': 'input',
    'node1.module': 'skip-5x5',
    'node1.channels': 16,
    'node1.input': 'node0',
    'node2.module': 'skip-5x5',
    'node2.channels': 16,
    'node2.input': 'node0',
    'node3.module': 'down-1x1',
    'node3.channels': 8,
    'node3.input': 'node2',
    'output.module': 'deconv3x3',
    'output.channels': 'image',
    'output.input': 'node3',
  };

  it('is found by the core guard', () => {
    expect(describesArchitectureGraph(space)).toBe(true);
  });

  it('draws the active chain as an encoder lane over a backward decoder lane, with kernel, stride, channels and skips', () => {
    const graph = space.architectureGraph(architecture);
    expect(graph.groups.map((g) => [g.id, g.flow ?? 'forward'])).toEqual([
      ['encoder', 'forward'],
      ['decoder', 'backward'],
    ]);
    expect(graph.nodes.filter((n) => n.group === 'encoder').map((n) => `${n.label} (${n.detail})`)).toEqual([
      'input (corrupted image)',
      'conv 3x3 /2 (node0, 8 ch)',
      'conv 5x5 /1 (node2, 16 ch)',
      'conv 1x1 /2 (node3, 8 ch)',
    ]);
    expect(graph.edges.filter((e) => e.kind === 'skip')).toEqual([{ from: 'enc-2', to: 'dec-2', kind: 'skip' }]);
    expect(graph.edges).toContainEqual({ from: 'enc-3', to: 'dec-3' });
    expect(graph.edges).toContainEqual({ from: 'dec-0', to: 'output' });
    expect(graph.nodes.some((n) => n.id === 'enc-1')).toBe(false);
  });

  it('joins the input to the output when no node is active', () => {
    const graph = space.architectureGraph({ ...architecture, 'output.input': 'node3', 'node3.input': 'node2', 'node2.input': 'node1', 'node1.input': 'node0' });
    expect(graph.nodes.filter((n) => n.role === 'node')).toHaveLength(8);
    const short = createInpaintingSpace({ encoding: 'categorical', nodes: 1, levelBack: 2, channels: [8, 16] });
    const g = short.architectureGraph({
      'node0.module': 'down-3x3',
      'node0.channels': 8,
      'node0.input': 'input',
      'output.module': 'deconv3x3',
      'output.channels': 'image',
      'output.input': 'input',
    });
    expect(g.edges).toEqual([{ from: 'input', to: 'output' }]);
  });
});
