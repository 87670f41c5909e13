import { describe, expect, it } from 'vitest';
import { BROWSER_ENTRIES, checkEntry, isNodeBuiltin, violationsIn } from './check-browser-imports.js';

describe('check-browser-imports', () => {
  it('knows the Node.js built-ins, with or without node:', () => {
    for (const name of ['node:fs', 'fs', 'fs/promises', 'path', 'node:test', 'crypto', 'zlib']) expect(isNodeBuiltin(name), name).toBe(true);
    for (const name of ['@asng/core', 'seedrandom', './fs.js', 'long']) expect(isNodeBuiltin(name), name).toBe(false);
  });

  it('gives the import chain from the entry to the built-in', () => {
    const metafile = {
      inputs: {
        '<stdin>': { bytes: 1, imports: [{ path: 'a.ts', kind: 'import-statement' as const, original: 'a' }] },
        'a.ts': { bytes: 1, imports: [{ path: 'b.ts', kind: 'import-statement' as const, original: './b' }] },
        'b.ts': { bytes: 1, imports: [{ path: 'node:fs', kind: 'import-statement' as const, external: true, original: 'node:fs' }] },
      },
      outputs: {},
    };
    expect(violationsIn('@x/y', metafile)).toEqual([{ entry: '@x/y', builtin: 'node:fs', chain: ['@x/y', 'a.ts', 'b.ts', 'node:fs'] }]);
  });

  it("finds node:fs behind the engine's Node.js entry, and nothing behind its browser entry", async () => {
    const node = await checkEntry('@asng/engine');
    expect(node.violations.map((v) => v.builtin)).toContain('node:fs');
    expect(node.violations[0]!.chain.slice(0, 2)).toEqual(['@asng/engine', 'packages/engine/src/index.ts']);
    expect(BROWSER_ENTRIES).toContain('@asng/engine/browser');
    const browser = await checkEntry('@asng/engine/browser');
    expect(browser.violations).toEqual([]);
    expect(browser.modules).toBeGreaterThan(100);
  });
});
