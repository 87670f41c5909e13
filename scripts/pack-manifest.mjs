#!/usr/bin/env node
/**
 * The published form of a workspace package, made by its `prepack` script and
 * undone by `postpack` (npm has no `publishConfig.exports`):
 *
 *   node ../../scripts/pack-manifest.mjs prepack|postpack
 *
 * prepack keeps the monorepo's package.json in package.json.monorepo, then
 * writes one without the `@asng/source` export condition (which points tests
 * and tsx at src/ inside the monorepo) and without src/ in `files`, and copies
 * the repository's LICENSE into the package unless it has its own. postpack
 * puts package.json back and removes the copied LICENSE. A prepack that finds
 * a backup (a pack that failed half way) restores it first, so the manifest
 * is never stripped twice.
 */
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_CONDITION = '@asng/source';
const repositoryRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = process.cwd();
const manifestFile = join(dir, 'package.json');
const backupFile = join(dir, 'package.json.monorepo');
const copiedMarker = join(dir, '.license-copied');

/** `exports` without the source condition, at any depth. */
function withoutSourceCondition(value) {
  if (Array.isArray(value)) return value.map(withoutSourceCondition);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, v]) => [key, withoutSourceCondition(v)]),
  );
}

/** `files` without src/ and its negations: dist/ carries the code, and its source maps the sources. */
const withoutSources = (files) => files.filter((entry) => !/^!?src(\/|$)/.test(entry));

function restore() {
  if (existsSync(backupFile)) renameSync(backupFile, manifestFile);
  if (existsSync(copiedMarker)) {
    rmSync(join(dir, 'LICENSE'), { force: true });
    rmSync(copiedMarker, { force: true });
  }
}

/** The manifest as published, from the monorepo's. */
export function publishedManifest(manifest) {
  const out = { ...manifest };
  if (out.exports !== undefined) out.exports = withoutSourceCondition(out.exports);
  if (Array.isArray(out.files)) out.files = withoutSources(out.files);
  return out;
}

const command = process.argv[2];
if (command === 'prepack') {
  restore();
  const text = readFileSync(manifestFile, 'utf8');
  writeFileSync(backupFile, text);
  writeFileSync(manifestFile, `${JSON.stringify(publishedManifest(JSON.parse(text)), null, 2)}\n`);
  if (!existsSync(join(dir, 'LICENSE'))) {
    copyFileSync(join(repositoryRoot, 'LICENSE'), join(dir, 'LICENSE'));
    writeFileSync(copiedMarker, '');
  }
} else if (command === 'postpack') {
  restore();
} else if (command !== undefined) {
  process.stderr.write(`pack-manifest: expected prepack or postpack, got ${JSON.stringify(command)}\n`);
  process.exit(2);
}
