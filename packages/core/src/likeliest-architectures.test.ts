import { describe, expect, it } from 'vitest';
import { drawnArchitectures, likeliestArchitectures } from './likeliest-architectures.js';
import type { VariableBelief } from './optimizer.js';
import { Rng } from './rng.js';
import type { Architecture } from './variables.js';

const cat = (name: string, probabilities: number[]): VariableBelief => ({
  kind: 'categorical',
  name,
  choices: probabilities.map((_p, i) => `${name}${i}`),
  probabilities,
});

/** Every combination of the categorical beliefs with its probability, by brute force. */
function allCombinations(beliefs: readonly VariableBelief[]): { architecture: Architecture; probability: number }[] {
  let out: { architecture: Record<string, string | number>; probability: number }[] = [{ architecture: {}, probability: 1 }];
  for (const b of beliefs) {
    if (b.kind !== 'categorical') continue;
    out = out.flatMap((o) => b.choices.map((c, i) => ({ architecture: { ...o.architecture, [b.name]: c }, probability: o.probability * b.probabilities[i]! })));
  }
  return out;
}

describe('likeliestArchitectures', () => {
  it('lists the combinations in decreasing probability, as a brute force does', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const beliefs = Array.from({ length: 1 + rng.int(4) }, (_v, i) => {
        const raw = Array.from({ length: 1 + rng.int(4) }, () => rng.uniform() + 0.01);
        const sum = raw.reduce((s, x) => s + x, 0);
        return cat(
          `v${i}`,
          raw.map((x) => x / sum),
        );
      });
      const all = allCombinations(beliefs).sort((a, b) => b.probability - a.probability);
      const got = likeliestArchitectures(beliefs, {}, all.length + 3);
      expect(got.length).toBe(all.length);
      got.forEach((g, i) => {
        expect(g.probability).toBeCloseTo(all[i]!.probability, 12);
        expect(allCombinations(beliefs).find((a) => JSON.stringify(a.architecture) === JSON.stringify(g.architecture))?.probability).toBeCloseTo(
          g.probability,
          12,
        );
      });
      expect(new Set(got.map((g) => JSON.stringify(g.architecture))).size).toBe(got.length);
    }
  });

  it('holds numeric variables at the mode and keeps one architecture per key', () => {
    const beliefs: VariableBelief[] = [cat('op', [0.6, 0.4]), cat('unused', [0.5, 0.3, 0.2]), { kind: 'integer', name: 'width', mean: 11.7, std: 2 }];
    const mode = { op: 'op0', unused: 'unused0', width: 12 };
    const got = likeliestArchitectures(beliefs, mode, 5, { key: (a) => String(a.op) });
    expect(got.map((g) => g.architecture)).toEqual([
      { op: 'op0', unused: 'unused0', width: 12 },
      { op: 'op1', unused: 'unused0', width: 12 },
    ]);
    expect(got[1]!.probability).toBeCloseTo(0.4 * 0.5, 12);
  });

  it('skips choices of probability 0 and stops at maxEnumerated', () => {
    const beliefs = [cat('a', [1, 0]), cat('b', [0.5, 0.5])];
    expect(likeliestArchitectures(beliefs, {}, 10).map((g) => g.architecture)).toEqual([
      { a: 'a0', b: 'b0' },
      { a: 'a0', b: 'b1' },
    ]);
    expect(likeliestArchitectures([cat('a', [0.5, 0.5]), cat('b', [0.5, 0.5])], {}, 10, { maxEnumerated: 3 })).toHaveLength(3);
  });

  it('names the bad argument', () => {
    expect(() => likeliestArchitectures([], {}, 0)).toThrow(/count: expected a whole number >= 1, got 0/);
    expect(() => likeliestArchitectures([cat('a', [0.5, 0.5, Number.NaN])], {}, 1)).toThrow(/belief 'a': expected one probability in \[0, 1\] per choice/);
  });
});

describe('drawnArchitectures', () => {
  it('puts the mode first, then different draws, each with its probability', () => {
    const beliefs = [cat('a', [0.7, 0.2, 0.1]), cat('b', [0.5, 0.5]), { kind: 'integer', name: 'w', mean: 3.2, std: 1 } as VariableBelief];
    const mode = { a: 'a0', b: 'b1', w: 3 };
    const got = drawnArchitectures(beliefs, mode, 4, new Rng(5));
    expect(got).toHaveLength(4);
    expect(got[0]).toEqual({ architecture: mode, probability: 0.7 * 0.5 });
    expect(new Set(got.map((g) => JSON.stringify(g.architecture))).size).toBe(4);
    for (const g of got) {
      expect(g.architecture.w).toBe(3);
      const pa = [0.7, 0.2, 0.1][Number(String(g.architecture.a).slice(1))]!;
      expect(g.probability).toBeCloseTo(pa * 0.5, 12);
    }
    // The same RNG state gives the same list; another gives another order.
    expect(drawnArchitectures(beliefs, mode, 4, new Rng(5))).toEqual(got);
  });

  it('draws each choice as often as its probability says, never one of probability 0', () => {
    const beliefs = [cat('a', [0.6, 0.3, 0, 0.1])];
    const rng = new Rng(11);
    const counts = [0, 0, 0, 0];
    const n = 20_000;
    let drawsSoFar = 0;
    for (let i = 0; i < n; i++) {
      // With a key that makes every draw new, each draw is kept: the second entry is one plain draw.
      const [, drawn] = drawnArchitectures(beliefs, { a: 'a0' }, 2, rng, { key: () => String(drawsSoFar++) });
      counts[Number(String(drawn!.architecture.a).slice(1))]! += 1;
    }
    expect(counts[2]).toBe(0);
    expect(counts[0]! / n).toBeCloseTo(0.6, 1);
    expect(counts[1]! / n).toBeCloseTo(0.3, 1);
    expect(counts[3]! / n).toBeCloseTo(0.1, 1);
  });

  it('returns fewer where the space has fewer different keys, and names bad arguments', () => {
    const beliefs = [cat('a', [0.5, 0.5]), cat('b', [0.9, 0.1])];
    expect(drawnArchitectures(beliefs, { a: 'a0', b: 'b0' }, 10, new Rng(1), { key: (x) => String(x.a) }).map((g) => g.architecture.a)).toEqual(['a0', 'a1']);
    expect(drawnArchitectures(beliefs, { a: 'a0', b: 'b0' }, 10, new Rng(1))).toHaveLength(4);
    expect(() => drawnArchitectures(beliefs, {}, 1.5, new Rng(1))).toThrow(/drawnArchitectures: count: expected a whole number >= 1, got 1.5/);
    expect(() => drawnArchitectures([cat('a', [2, 0])], {}, 1, new Rng(1))).toThrow(/drawnArchitectures: belief 'a'/);
  });
});
