import { describe, expect, expectTypeOf, it } from 'vitest';
import { describesArchitectureGraph, type ArchitectureGraph, type ArchitectureGraphDescriber } from './architecture-graph.js';
import type { SearchSpace } from './search-space.js';
import { plainSpace } from './plain-space.fixture.js';

const plain = plainSpace;
const graph: ArchitectureGraph = {
  title: 'one cell',
  groups: [{ id: 'cell', label: 'cell' }],
  nodes: [
    { id: 'in', group: 'cell', label: 'input', role: 'input' },
    { id: 'out', group: 'cell', label: 'output', role: 'output' },
  ],
  edges: [{ from: 'in', to: 'out', label: 'a' }],
};

describe('describesArchitectureGraph', () => {
  it('finds the ability by its method, and not on a plain space or a member of the wrong kind', () => {
    expect(describesArchitectureGraph(plain)).toBe(false);
    const notAMethod = { ...plain, architectureGraph: graph };
    const odd: SearchSpace = notAMethod;
    expect(describesArchitectureGraph(odd)).toBe(false);
    const describer = { ...plain, architectureGraph: () => graph };
    const able: SearchSpace = describer;
    expect(describesArchitectureGraph(able)).toBe(true);
    if (describesArchitectureGraph(able)) expect(able.architectureGraph({ op: 'a' }).nodes).toHaveLength(2);
  });

  it('narrows the space to the ability and keeps its own type', () => {
    interface Mine extends SearchSpace {
      readonly extra: number;
    }
    const space: Mine = { ...plain, extra: 1 };
    if (describesArchitectureGraph(space)) expectTypeOf(space).toEqualTypeOf<Mine & ArchitectureGraphDescriber>();
  });
});
