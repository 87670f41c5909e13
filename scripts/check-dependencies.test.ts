import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDependencies } from './check-dependencies.ts';

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A workspace of packages: each `[dir, package.json fields, {path under src: text}]`. */
function workspace(packages: readonly [string, Record<string, unknown>, Record<string, string>][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'asng-deps-'));
  root = dir;
  for (const [name, manifest, sources] of packages) {
    const base = join(dir, 'packages', name);
    mkdirSync(join(base, 'src'), { recursive: true });
    writeFileSync(join(base, 'package.json'), JSON.stringify({ name: `@asng/${name}`, ...manifest }));
    for (const [path, text] of Object.entries(sources)) {
      mkdirSync(dirname(join(base, 'src', path)), { recursive: true });
      writeFileSync(join(base, 'src', path), text);
    }
  }
  return dir;
}

const layers = (space: { deps?: Record<string, string>; src?: string }, cli: Record<string, string> = {}) =>
  workspace([
    ['core', {}, { 'index.ts': "import type { Tensor } from '@tensorflow/tfjs-core';\nexport type T = Tensor;\n" }],
    ['space-toy', { dependencies: { '@asng/core': '^0.1.0', ...space.deps } }, { 'index.ts': space.src ?? "import type { SearchSpace } from '@asng/core';\n" }],
    ['engine', { dependencies: { '@asng/core': '^0.1.0' } }, { 'index.ts': "export { x } from '@asng/core';\n" }],
    [
      'cli',
      { dependencies: { '@asng/engine': '^0.1.0', '@asng/space-toy': '^0.1.0' } },
      { 'commands/run.ts': "import { runSearch } from '@asng/engine';\nconst spaces = ['@asng/space-toy'];\nawait import(spaces[0]);\n", ...cli },
    ],
  ]);

describe('check-dependencies', () => {
  it('passes a workspace whose dependencies point one way', () => {
    expect(checkDependencies(layers({}))).toEqual([]);
  });

  it('fails on a space that imports the engine, even for types only, and names the file', () => {
    const problems = checkDependencies(
      layers({ src: "import type { SearchSpace } from '@asng/core';\nimport type { ParameterCounter } from '@asng/engine';\n" }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^packages\/space-toy\/src\/index\.ts: @asng\/space-toy imports @asng\/engine \(a search space depends on core and tfjs only\)$/),
    ]);
  });

  it('fails on a space that depends on the CLI in its package.json, but not on one that only tests with it', () => {
    expect(checkDependencies(layers({ deps: { '@asng/cli': '^0.1.0' } }))).toEqual([
      'packages/space-toy/package.json: @asng/space-toy depends on @asng/cli (a search space depends on core and tfjs only)',
      'dependency cycle: @asng/cli -> @asng/space-toy -> @asng/cli',
    ]);
    const tested = workspace([
      [
        'space-toy',
        { devDependencies: { '@asng/engine': '^0.1.0' } },
        { 'space.test.ts': "import { runSearch } from '@asng/engine';\n", 'space.ts': '// see @asng/engine\n' },
      ],
    ]);
    expect(checkDependencies(tested)).toEqual([]);
  });

  it('fails on CLI source that imports a search space, statically or by a literal dynamic import, but not on its tests', () => {
    expect(checkDependencies(layers({}, { 'commands/retrain.ts': "import { scoreRestorations } from '@asng/space-toy';\n" }))).toEqual([
      'packages/cli/src/commands/retrain.ts: @asng/cli imports @asng/space-toy (the CLI loads search spaces by module name and knows none of them)',
    ]);
    expect(checkDependencies(layers({}, { 'spaces.ts': "const m = await import('@asng/space-toy');\n" }))).toEqual([
      'packages/cli/src/spaces.ts: @asng/cli imports @asng/space-toy (the CLI loads search spaces by module name and knows none of them)',
    ]);
    expect(checkDependencies(layers({}, { 'run.test.ts': "import { createToySpace } from '@asng/space-toy';\n" }))).toEqual([]);
  });

  it('fails on core importing any package of ours, and on cycles', () => {
    const layered = workspace([
      ['core', {}, { 'index.ts': "export * from '@asng/data';\n" }],
      ['data', { dependencies: { '@asng/core': '^0.1.0' } }, { 'index.ts': "import { Rng } from '@asng/core';\n" }],
    ]);
    expect(checkDependencies(layered)).toEqual([
      'packages/core/src/index.ts: @asng/core imports @asng/data (core holds the contracts and depends on none of our packages)',
      'dependency cycle: @asng/core -> @asng/data -> @asng/core',
    ]);
  });

  it('holds for this repository', () => {
    expect(checkDependencies(join(import.meta.dirname, '..'))).toEqual([]);
  });
});
