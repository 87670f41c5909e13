/**
 * What a browser bundle uses must not reach a Node.js built-in module
 * (`node:fs`, `path`, `crypto`, ...): bundles each browser entry with esbuild
 * for `platform: 'browser'` from the sources (the `@asng/source` condition)
 * and fails listing the import chain of every built-in reached. Packages'
 * `browser` fields are honoured (tfjs maps its Node-only modules away there).
 * Prints one JSON line last: `{"entries","modules","violations","ok","seconds"}`.
 *   tsx scripts/check-browser-imports.ts
 */
import { builtinModules } from 'node:module';
import { isAbsolute, relative, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/** The browser entries: what the web page, or any bundler user, imports. */
export const BROWSER_ENTRIES: readonly string[] = [
  '@asng/core',
  '@asng/core/base',
  '@asng/distribution-categorical',
  '@asng/distribution-gaussian',
  '@asng/optimizer-asng',
  '@asng/space-image-classification',
  '@asng/space-inpainting',
  '@asng/data',
  '@asng/report-render',
  '@asng/engine/browser',
  '@asng/dataset-files/browser',
  '@asng/dataset-mnist/browser',
  '@asng/dataset-fashion-mnist-subset/browser',
];

const root = resolve(import.meta.dirname, '..');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Whether `specifier` names a Node.js built-in module (`fs`, `fs/promises`, `node:fs`, `node:test`). */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return builtins.has(specifier) || builtins.has(specifier.split('/')[0]!);
}

/** A Node built-in reached from an entry, with the chain of files that imports it. */
export interface Violation {
  readonly entry: string;
  readonly builtin: string;
  /** The entry, the files from it to the importer (relative to the repository), then the built-in. */
  readonly chain: readonly string[];
}

/** The shortest import chain, in `metafile`, from the entry (`<stdin>`) to each Node built-in that survives the `browser` fields. */
export function violationsIn(entry: string, metafile: Metafile): Violation[] {
  const parent = new Map<string, string>();
  const queue = ['<stdin>'];
  const seen = new Set(queue);
  const found: Violation[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.external && isNodeBuiltin(imported.path)) {
        const chain = [imported.path];
        for (let at: string | undefined = file; at !== undefined && at !== '<stdin>'; at = parent.get(at)) chain.unshift(at);
        found.push({ entry, builtin: imported.path, chain: [entry, ...chain] });
        continue;
      }
      if (imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      parent.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  return found;
}

/**
 * Leaves Node built-ins out of the bundle, as externals the metafile records;
 * one that a package's `browser` field maps away (`"util": false`) becomes an
 * empty module, and one a polyfill package provides is that package.
 */
const builtinsExternal: Plugin = {
  name: 'node-builtins-external',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (!isNodeBuiltin(args.path) || args.pluginData === 'inner') return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (resolved.errors.length > 0) return { path: args.path, external: true };
      if (isAbsolute(resolved.path)) return { path: resolved.path, sideEffects: resolved.sideEffects };
      return { path: args.path, namespace: 'browser-disabled' };
    });
    b.onLoad({ filter: /.*/, namespace: 'browser-disabled' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** Bundles `entry` for the browser; returns the Node built-ins it reaches and its number of modules. */
export async function checkEntry(entry: string): Promise<{ violations: Violation[]; modules: number }> {
  const result = await build({
    stdin: { contents: `export * from '${entry}';\n`, resolveDir: root, sourcefile: '<stdin>', loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['@asng/source'],
    metafile: true,
    logLevel: 'silent',
    plugins: [builtinsExternal],
  });
  const metafile = result.metafile!;
  const violations = violationsIn(entry, metafile).map((v) => ({
    ...v,
    chain: v.chain.map((step, i) => (i === 0 || i === v.chain.length - 1 ? step : relative(root, resolve(root, step)))),
  }));
  return { violations, modules: Object.keys(metafile.inputs).length - 1 };
}

async function main(): Promise<void> {
  const started = performance.now();
  const violations: Violation[] = [];
  let modules = 0;
  const failures: string[] = [];
  for (const entry of BROWSER_ENTRIES) {
    try {
      const checked = await checkEntry(entry);
      violations.push(...checked.violations);
      modules += checked.modules;
    } catch (error) {
      const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
      const text = errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ') ?? String(error);
      failures.push(`${entry}: cannot be bundled for the browser (${text})`);
    }
  }
  for (const failure of failures) console.error(failure);
  for (const v of violations) console.error(`${v.entry} reaches the Node.js module '${v.builtin}':\n  ${v.chain.join('\n  -> ')}`);
  const ok = violations.length === 0 && failures.length === 0;
  if (ok) console.error(`${BROWSER_ENTRIES.length} browser entries, ${modules} modules: no Node.js built-in module is reachable`);
  console.log(
    JSON.stringify({
      entries: BROWSER_ENTRIES.length,
      modules,
      violations: [...violations.map((v) => v.chain.join(' -> ')), ...failures],
      ok,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    }),
  );
  if (!ok) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
