/**
 * The first public release (issue 18): no `@asng/*` package was ever
 * published, so each starts at the version in its package.json (0.1.0), not
 * at what `changeset version` would make of it (0.2.0, with the development
 * notes of a version nobody installed). Run once, before the first
 * `npm run release`:
 *
 *   tsx scripts/first-release.ts [--dry-run]
 *
 * For each public package it writes CHANGELOG.md with one entry, its current
 * version, "First public release", followed by the pending changesets that
 * name it (what the release contains), and then deletes those changesets, so
 * that `changeset version` has nothing left to bump and `changeset publish`
 * publishes the current versions. It refuses when a package already has a
 * CHANGELOG.md (a release happened). `--dry-run` prints what it would do.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A pending changeset: the packages it names (with their bump) and its text. */
export interface Changeset {
  readonly file: string;
  readonly releases: Readonly<Record<string, string>>;
  readonly summary: string;
}

/** Parses a changeset file: front matter of `"name": bump` lines between `---` fences, then the summary. */
export function parseChangeset(file: string, text: string): Changeset {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (match === null) throw new Error(`${file}: no front matter between --- lines`);
  const releases: Record<string, string> = {};
  for (const line of match[1]!.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const release = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
    if (release === null) throw new Error(`${file}: cannot read the release line ${JSON.stringify(line)}`);
    releases[release[1]!] = release[2]!;
  }
  return { file, releases, summary: match[2]!.trim() };
}

/** The first CHANGELOG.md of `name` at `version`, listing the summaries of the changesets that name it. */
export function firstChangelog(name: string, version: string, changesets: readonly Changeset[]): string {
  const items = changesets.filter((c) => name in c.releases).map((c) => `- ${c.summary.replace(/\n/g, '\n  ').replace(/\n {2}\n/g, '\n\n')}`);
  return `# ${name}\n\n## ${version}\n\nFirst public release.\n${items.length > 0 ? `\n${items.join('\n')}\n` : ''}`;
}

function main(): void {
  const root = dirname(import.meta.dirname);
  const dryRun = process.argv.includes('--dry-run');
  const changesetDir = join(root, '.changeset');
  const changesets = readdirSync(changesetDir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => parseChangeset(f, readFileSync(join(changesetDir, f), 'utf8')));
  const packages = readdirSync(join(root, 'packages'))
    .map((entry) => join(root, 'packages', entry))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean } }))
    .filter(({ manifest }) => manifest.private !== true);
  const released = packages.filter(({ dir }) => existsSync(join(dir, 'CHANGELOG.md')));
  if (released.length > 0) {
    console.error(`first-release: ${released.map((p) => p.manifest.name).join(', ')} already have a CHANGELOG.md; use changeset version`);
    process.exit(1);
  }
  for (const { dir, manifest } of packages) {
    const text = firstChangelog(manifest.name, manifest.version, changesets);
    const entries = changesets.filter((c) => manifest.name in c.releases).length;
    console.log(`${manifest.name}@${manifest.version}: first public release, ${entries} changeset(s) in its changelog`);
    if (!dryRun) writeFileSync(join(dir, 'CHANGELOG.md'), text);
  }
  if (!dryRun) for (const c of changesets) rmSync(join(changesetDir, c.file));
  console.log(`${dryRun ? 'would consume' : 'consumed'} ${changesets.length} changesets; then npm run release publishes these versions`);
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) main();
