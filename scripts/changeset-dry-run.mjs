#!/usr/bin/env node
/**
 * A dry run of the release's versioning (issue 18, item 13), in a copy of the
 * workspace's manifests and changesets under a temporary directory; the
 * repository is not touched.
 *
 *   node scripts/changeset-dry-run.mjs [--keep]
 *
 * 1. The first public release, as the root README says: `release:first`
 *    (scripts/first-release.ts) writes each public package's CHANGELOG.md and
 *    consumes the changesets, then `changeset version` runs. Checked: every
 *    public package keeps the version in its package.json (its intended first
 *    version, 0.1.0), its changelog starts at that version, no changeset is left
 *    to bump it to 0.2.0, no private package (examples/*) is bumped or gets a
 *    changelog, and no package's changelog carries another package's command-line
 *    text (an `asng ...` command outside @asng/cli's, an `asng-data ...` command
 *    outside @asng/data-cli's: what a changeset naming several packages copies).
 * 2. The release after it: a patch changeset for @asng/core and a minor one for
 *    @asng/cli, then `changeset version`. Checked: core becomes 0.1.1 and the CLI
 *    0.2.0, core's new entry has none of the CLI's text, and again no private
 *    package is bumped or gets a changelog.
 *
 * Prints what it found, its JSON last: {"ok", "firstRelease", "nextRelease", "problems"};
 * exits 1 when a check fails. --keep leaves the temporary directory for a look.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const keep = process.argv.includes('--keep');
const problems = [];
const problem = (message) => problems.push(message);

/** The workspace directories (relative), from the root package.json's `workspaces` globs of the form `dir/*`. */
function workspaceDirs(root) {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent))
      .map((entry) => `${parent}/${entry}`)
      .filter((dir) => existsSync(join(root, dir, 'package.json')));
  });
}

/** name -> {dir, version, private, changelog} of every workspace package under `root`. */
function readPackages(root, dirs) {
  const packages = new Map();
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const changelogPath = join(root, dir, 'CHANGELOG.md');
    packages.set(manifest.name, {
      dir,
      version: manifest.version,
      private: manifest.private === true,
      changelog: existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined,
    });
  }
  return packages;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status !== 0) problem(`${[command, ...args].join(' ')} failed (${result.status ?? result.signal}): ${output.slice(-2000)}`);
  return output;
}

/** The command-line text in `text` that belongs to another package than `name`: code spans of the `asng` and `asng-data` commands. */
function foreignCommandLineText(name, text) {
  const found = [];
  for (const [span] of text.matchAll(/`(?:npx )?(?:@asng\/cli |asng(?:-data)?\b)[^`]*`/g)) {
    const dataCli = /^`(?:npx )?asng-data\b/.test(span);
    if (dataCli ? name !== '@asng/data-cli' : name !== '@asng/cli') found.push(span);
  }
  return found;
}

/** The first `## x.y.z` heading of a changelog. */
const topVersion = (changelog) => /^## (\S+)/m.exec(changelog ?? '')?.[1];

/** The part of a changelog above its second version heading (the newest entry). */
function newestEntry(changelog) {
  const headings = [...(changelog ?? '').matchAll(/^## /gm)];
  return headings.length < 2 ? (changelog ?? '') : changelog.slice(0, headings[1].index);
}

const dirs = workspaceDirs(repo);
const before = readPackages(repo, dirs);
const work = mkdtempSync(join(tmpdir(), 'asng-changeset-dry-run-'));
try {
  // The copy: the manifests, any changelogs, the changesets and the first-release script; node_modules linked.
  cpSync(join(repo, 'package.json'), join(work, 'package.json'));
  cpSync(join(repo, '.changeset'), join(work, '.changeset'), { recursive: true });
  mkdirSync(join(work, 'scripts'));
  cpSync(join(repo, 'scripts', 'first-release.ts'), join(work, 'scripts', 'first-release.ts'));
  for (const dir of dirs) {
    mkdirSync(join(work, dir), { recursive: true });
    for (const file of ['package.json', 'CHANGELOG.md']) {
      if (existsSync(join(repo, dir, file))) cpSync(join(repo, dir, file), join(work, dir, file));
    }
  }
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'), 'dir');
  // changeset version asks git for the commits that added the changesets; give it a repository.
  run('git', ['init', '-q'], work);
  run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'add', '-A'], work);
  run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'commit', '-qm', 'dry run'], work);
  const changesetBin = join(repo, 'node_modules', '.bin', 'changeset');
  const tsxBin = join(repo, 'node_modules', '.bin', 'tsx');

  /** Checks shared by both releases: private packages untouched, no foreign command-line text (in `part` of each changelog). */
  function checkCommon(stage, after, part = (changelog) => changelog) {
    for (const [name, pkg] of after) {
      const old = before.get(name);
      if (pkg.private) {
        if (pkg.version !== old.version) problem(`${stage}: the private ${name} was bumped ${old.version} -> ${pkg.version}`);
        if (pkg.changelog !== undefined && old.changelog === undefined) problem(`${stage}: the private ${name} got a CHANGELOG.md`);
        continue;
      }
      const foreign = foreignCommandLineText(name, part(pkg.changelog ?? '', name));
      if (foreign.length > 0) problem(`${stage}: ${name}'s CHANGELOG.md carries another package's command-line text: ${foreign.join(', ')}`);
    }
  }

  // 1. The first public release.
  const alreadyReleased = [...before].filter(([, p]) => !p.private && p.changelog !== undefined).map(([name]) => name);
  let firstRelease;
  if (alreadyReleased.length > 0) {
    // Once released, release:first refuses; the next-release stage below still runs.
    firstRelease = { skipped: `already released: ${alreadyReleased.join(', ')}` };
  } else {
    const pending = readdirSync(join(work, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md').length;
    run(tsxBin, ['scripts/first-release.ts'], work);
    const versionOutput = run(changesetBin, ['version'], work);
    const after = readPackages(work, dirs);
    const left = readdirSync(join(work, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    if (left.length > 0) problem(`first release: changesets left for changeset version: ${left.join(', ')}`);
    const versions = {};
    for (const [name, pkg] of after) {
      if (pkg.private) continue;
      const intended = before.get(name).version;
      versions[name] = pkg.version;
      if (pkg.version !== intended) problem(`first release: ${name} came out as ${pkg.version}, not its first version ${intended}`);
      if (topVersion(pkg.changelog) !== intended)
        problem(`first release: ${name}'s CHANGELOG.md starts at ${topVersion(pkg.changelog) ?? 'nothing'}, not ${intended}`);
    }
    checkCommon('first release', after);
    firstRelease = { changesets: pending, versions, changesetVersion: versionOutput.split('\n').slice(-1)[0] };
    run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'add', '-A'], work);
    run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'commit', '-qm', 'first release'], work);
  }

  // 2. The release after it.
  const released = readPackages(work, dirs);
  const coreText = 'Dry-run core fix, for core alone.';
  const cliText = 'Dry-run CLI change: `asng search --dry-run-option`.';
  writeFileSync(join(work, '.changeset', 'dry-run-core.md'), `---\n'@asng/core': patch\n---\n\n${coreText}\n`);
  writeFileSync(join(work, '.changeset', 'dry-run-cli.md'), `---\n'@asng/cli': minor\n---\n\n${cliText}\n`);
  run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'add', '-A'], work);
  run('git', ['-c', 'user.name=dry-run', '-c', 'user.email=dry-run@localhost', 'commit', '-qm', 'next changesets'], work);
  run(changesetBin, ['version'], work);
  const next = readPackages(work, dirs);
  const bumped = {};
  for (const [name, pkg] of next) if (pkg.version !== released.get(name).version) bumped[name] = `${released.get(name).version} -> ${pkg.version}`;
  const bump = (version, part) => {
    const [major, minor, patch] = version.split('.').map(Number);
    return part === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
  };
  const expectCore = bump(released.get('@asng/core').version, 'patch');
  const expectCli = bump(released.get('@asng/cli').version, 'minor');
  if (next.get('@asng/core').version !== expectCore) problem(`next release: @asng/core came out as ${next.get('@asng/core').version}, not ${expectCore}`);
  if (next.get('@asng/cli').version !== expectCli) problem(`next release: @asng/cli came out as ${next.get('@asng/cli').version}, not ${expectCli}`);
  const coreEntry = newestEntry(next.get('@asng/core').changelog);
  if (!coreEntry.includes(coreText)) problem("next release: @asng/core's new CHANGELOG.md entry lacks its changeset");
  if (coreEntry.includes('Dry-run CLI')) problem("next release: @asng/core's new CHANGELOG.md entry has the CLI's changeset");
  if (!newestEntry(next.get('@asng/cli').changelog).includes('Dry-run CLI change'))
    problem("next release: @asng/cli's new CHANGELOG.md entry lacks its changeset");
  checkCommon('next release', next, (changelog, name) => (name in bumped ? newestEntry(changelog) : ''));
  const nextRelease = { bumped };

  const ok = problems.length === 0;
  for (const message of problems) console.error(`changeset dry run: ${message}`);
  console.log(
    ok
      ? `changeset dry run: first release at ${[...new Set(Object.values(firstRelease.versions ?? {}))].join(', ') || '(already released)'}; the next release bumps ${Object.keys(bumped).length} package(s), no private one`
      : `changeset dry run: ${problems.length} problem(s)`,
  );
  if (keep) console.log(`changeset dry run: kept ${work}`);
  console.log(JSON.stringify({ ok, firstRelease, nextRelease, problems }));
  process.exitCode = ok ? 0 : 1;
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
