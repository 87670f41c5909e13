/**
 * The layering rule of the workspace: dependencies point one way, core <-
 * distributions, optimizer, spaces, datasets <- data pipeline <- engine <- CLI.
 * Reads each `packages/<name>/package.json` and the import statements of its
 * `src/**\/*.ts` (tests excluded: they may use anything the package
 * dev-depends on) and fails when
 * - `@asng/core` depends on or imports any `@asng/*` package,
 * - a search space (`@asng/space-*`) depends on or imports an `@asng/*`
 *   package other than `@asng/core`,
 * - the CLI's source imports a search space: it loads spaces by module name
 *   (`import(name)` of a string it holds, which this check does not see as an
 *   import) and knows none of them; it may depend on the built-ins in its
 *   package.json so that they are installed with it,
 * - the runtime dependencies and source imports between our packages form a
 *   cycle.
 *   tsx scripts/check-dependencies.ts [root]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which `@asng/*` packages a package may use at run time, for the packages the rule constrains. */
const ALLOWED: readonly { readonly pattern: RegExp; readonly allowed: readonly string[]; readonly why: string }[] = [
  { pattern: /^@asng\/core$/, allowed: [], why: 'core holds the contracts and depends on none of our packages' },
  { pattern: /^@asng\/space-/, allowed: ['@asng/core'], why: 'a search space depends on core and tfjs only' },
];

/** Packages whose source must not import certain of ours, though they may depend on them. */
const NOT_IMPORTED: readonly { readonly pattern: RegExp; readonly forbidden: RegExp; readonly why: string }[] = [
  { pattern: /^@asng\/cli$/, forbidden: /^@asng\/space-/, why: 'the CLI loads search spaces by module name and knows none of them' },
];

interface PackageInfo {
  readonly name: string;
  readonly dir: string;
  /** Our packages named in `dependencies` or `peerDependencies`. */
  readonly declared: readonly string[];
  /** Our packages imported by the source, with the files that do. */
  readonly imported: ReadonlyMap<string, readonly string[]>;
}

const OURS = /^@asng\/[^/]+/;
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry) && !/\.test(-d)?\.tsx?$/.test(entry) ? [path] : [];
  });
}

function readPackage(dir: string): PackageInfo | undefined {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  const declared = Object.keys({ ...json.dependencies, ...json.peerDependencies }).filter((n) => OURS.test(n));
  const imported = new Map<string, string[]>();
  for (const file of sourceFiles(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const match of text.matchAll(SPECIFIERS)) {
      const name = OURS.exec(match[1]!)?.[0];
      if (name !== undefined && name !== json.name && !imported.get(name)?.includes(file)) imported.set(name, [...(imported.get(name) ?? []), file]);
    }
  }
  return { name: json.name, dir, declared, imported };
}

/** Every violation of the rule in the workspace at `root`, one line each; empty when it holds. */
export function checkDependencies(root: string): string[] {
  const packagesDir = join(root, 'packages');
  const packages = readdirSync(packagesDir)
    .map((entry) => readPackage(join(packagesDir, entry)))
    .filter((p): p is PackageInfo => p !== undefined);
  const problems: string[] = [];
  for (const p of packages) {
    for (const rule of NOT_IMPORTED.filter((r) => r.pattern.test(p.name))) {
      for (const [name, files] of p.imported) {
        if (rule.forbidden.test(name)) for (const file of files) problems.push(`${relative(root, file)}: ${p.name} imports ${name} (${rule.why})`);
      }
    }
    const rule = ALLOWED.find((r) => r.pattern.test(p.name));
    if (rule === undefined) continue;
    for (const name of p.declared) {
      if (!rule.allowed.includes(name)) problems.push(`${relative(root, join(p.dir, 'package.json'))}: ${p.name} depends on ${name} (${rule.why})`);
    }
    for (const [name, files] of p.imported) {
      if (rule.allowed.includes(name)) continue;
      for (const file of files) problems.push(`${relative(root, file)}: ${p.name} imports ${name} (${rule.why})`);
    }
  }
  problems.push(...cycles(packages));
  return problems;
}

/** The cycles of the graph of runtime dependencies and source imports, each reported once. */
function cycles(packages: readonly PackageInfo[]): string[] {
  const edges = new Map(packages.map((p) => [p.name, [...new Set([...p.declared, ...p.imported.keys()])].sort()] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (state.get(next) === 'visiting') found.push(`dependency cycle: ${[...stack.slice(stack.indexOf(next)), next].join(' -> ')}`);
      else if (!state.has(next) && edges.has(next)) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...edges.keys()].sort()) if (!state.has(name)) visit(name);
  return found;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
  const problems = checkDependencies(root);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log('dependencies point one way: core and the search spaces use none of the upper layers, the CLI imports no search space, and there is no cycle');
}
