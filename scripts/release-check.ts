/**
 * What a new npm user gets (issue 18): packs every public package as it would
 * be published, checks each tarball's contents and size, and, outside the
 * monorepo (a fresh directory under the system temp dir), installs the
 * tarballs into new projects, with third-party packages from the registry, and
 * runs the user's scenarios:
 *
 * - optimizerEsm / optimizerCjs: the optimizer alone (core, the two
 *   distributions, the optimizer; no tfjs installed), imported and required,
 *   searching until `convergence >= 0.99`;
 * - typesNode16 / typesBundler: that project type-checked by `tsc --noEmit`
 *   with `skipLibCheck: false` (node16 as CommonJS and as ESM, and bundler),
 *   with no tfjs declaration in the program;
 * - customSpace: the custom-search-space example's space, run through
 *   `describeSearchSpace` of the installed `@asng/testing` under vitest 3;
 * - cli: `asng search` on the embedded Fashion-MNIST subset, `asng report`, a
 *   `.ts` space module refused with advice and then loaded under tsx, and
 *   without the wasm peer the cpu fallback explained with the install command.
 *
 *   npm run build && npm run -s release:check -- [--json] [--keep]
 *
 * Builds nothing itself. `--json` prints
 * `{"packages","tarballBytes","contents","scenarios":{...},"seconds"}` as the
 * last line; the exit status is 0 only when every check passes. `--keep`
 * leaves the temporary directory for inspection.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const root = dirname(import.meta.dirname);
const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const started = Date.now();

/** Packed size budget per package in bytes (the tarball, gzipped); the default covers a code-only package. */
const DEFAULT_BUDGET = 160_000;
const BUDGETS: Readonly<Record<string, number>> = {
  '@asng/dataset-fashion-mnist-subset': 3_300_000, // 6,000 + 1,000 images, gzipped IDX
  '@asng/tfjs-wasm-training': 320_000, // the C sources and the linux-x64 prebuild
  '@asng/cli': 300_000, // also a CommonJS build of its programmatic API
  '@asng/engine': 220_000,
};
/** The newest glibc the linux-x64 prebuild may need (2.17, as major * 1000 + minor). */
const GLIBC_BASELINE = 2017;
/** What every tarball must carry, and must not. */
const FORBIDDEN = [/(^|\/)src\//, /\.test\.[cm]?[jt]s$/, /\.test-d\.ts$/, /\.fixture\.[cm]?[jt]s$/, /(^|\/)test\//, /(^|\/)__tests__\//];

const log = (line: string) => process.stderr.write(`${line}\n`);

function run(command: string, argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): SpawnSyncReturns<string> {
  return spawnSync(command, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The last lines of a failed command, for the log. */
function tail(result: SpawnSyncReturns<string>, lines = 15): string {
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
  return text.trim().split('\n').slice(-lines).join('\n');
}

interface PublicPackage {
  readonly name: string;
  readonly dir: string;
}

const publicPackages: PublicPackage[] = readdirSync(join(root, 'packages'))
  .map((entry) => join(root, 'packages', entry))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ dir, manifest }) => ({ name: manifest.name, dir }))
  .sort((a, b) => a.name.localeCompare(b.name));

const missingBuild = publicPackages.filter((p) => !existsSync(join(p.dir, 'dist')));
if (missingBuild.length > 0) {
  log(`release:check: no dist/ in ${missingBuild.map((p) => p.name).join(', ')}; run npm run build first`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'asng-release-'));
const tarballDir = join(work, 'tarballs');
mkdirSync(tarballDir);
log(`release:check: working in ${work}`);

// ---- pack ----------------------------------------------------------------
interface PackEntry {
  readonly name: string;
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}
const packed = run('npm', ['pack', '--json', '--pack-destination', tarballDir, ...publicPackages.flatMap((p) => ['-w', p.name])], root);
if (packed.status !== 0) {
  log(`release:check: npm pack failed\n${tail(packed)}`);
  process.exit(1);
}
const entries = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackEntry[];
const tarball = (name: string) => join(tarballDir, entries.find((e) => e.name === name)!.filename);

// ---- contents and size ---------------------------------------------------
const contentProblems: string[] = [];
for (const entry of entries) {
  const paths = entry.files.map((f) => f.path);
  const problem = (what: string) => contentProblems.push(`${entry.name}: ${what}`);
  if (!paths.includes('LICENSE')) problem('no LICENSE');
  if (!paths.includes('README.md')) problem('no README.md');
  const pkg = publicPackages.find((p) => p.name === entry.name)!;
  const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as { files?: string[] };
  // The changelog exists once `changeset version` has run; `files` must ship it then.
  if (!manifest.files?.includes('CHANGELOG.md')) problem("'files' does not list CHANGELOG.md");
  if (existsSync(join(pkg.dir, 'CHANGELOG.md')) && !paths.includes('CHANGELOG.md')) problem('CHANGELOG.md exists but is not packed');
  const forbidden = paths.filter((p) => FORBIDDEN.some((re) => re.test(p)));
  if (forbidden.length > 0)
    problem(`ships sources or tests: ${forbidden.slice(0, 3).join(', ')}${forbidden.length > 3 ? ` and ${forbidden.length - 3} more` : ''}`);
  const inside = run('tar', ['-xzOf', join(tarballDir, entry.filename), 'package/package.json'], work);
  const packedManifest = JSON.parse(inside.stdout || '{}') as { exports?: unknown };
  if (JSON.stringify(packedManifest.exports ?? {}).includes('"@asng/source"')) problem("the packed package.json's exports keep the @asng/source condition");
  const budget = BUDGETS[entry.name] ?? DEFAULT_BUDGET;
  if (entry.size > budget) problem(`${entry.size} bytes packed, over its budget of ${budget}`);
  if (entry.name === '@asng/tfjs-wasm-training') {
    for (const required of ['prebuilds/linux-x64/asng-kernels.node', 'prebuilds/linux-x64/asng-kernels.node.sources-sha256']) {
      if (!paths.includes(required)) problem(`no ${required}`);
    }
    const prebuild = spawnSync('tar', ['-xzOf', join(tarballDir, entry.filename), 'package/prebuilds/linux-x64/asng-kernels.node'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (prebuild.status === 0) {
      const elf = prebuild.stdout.toString('latin1');
      const versions = [...elf.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map(([, major, minor]) => Number(major) * 1000 + Number(minor));
      const newest = Math.max(0, ...versions);
      if (newest > GLIBC_BASELINE) problem(`the linux-x64 prebuild needs GLIBC_${Math.floor(newest / 1000)}.${newest % 1000}, newer than 2.17`);
      if (elf.includes('.symtab')) problem('the linux-x64 prebuild is not stripped');
    }
  }
}
const tarballBytes = entries.reduce((sum, e) => sum + e.size, 0);
for (const e of entries) log(`  ${e.name.padEnd(36)} ${String(e.size).padStart(9)} bytes packed, ${String(e.files.length).padStart(3)} files`);
log(`packed ${entries.length} packages, ${tarballBytes} bytes; contents: ${contentProblems.length === 0 ? 'ok' : contentProblems.join('; ')}`);

// ---- projects outside the monorepo ---------------------------------------
function project(name: string, manifest: Record<string, unknown>, install: readonly string[]): { dir: string; ok: boolean } {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true, ...manifest }, null, 2)}\n`);
  const t = Date.now();
  const result = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...install], dir);
  log(`${name}: npm install ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  if (result.status !== 0) log(tail(result));
  return { dir, ok: result.status === 0 };
}

const scenarios = { optimizerEsm: false, optimizerCjs: false, typesNode16: false, typesBundler: false, customSpace: false, cli: false };

function scenario(name: keyof typeof scenarios, body: () => boolean): void {
  const t = Date.now();
  try {
    scenarios[name] = body();
  } catch (error) {
    log(`${name}: ${(error as Error).stack ?? String(error)}`);
    scenarios[name] = false;
  }
  log(`scenario ${name}: ${scenarios[name] ? 'ok' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
}

/** Runs a step of a scenario; logs its output when it fails. */
function step(label: string, result: SpawnSyncReturns<string>, check: (out: string) => boolean = () => true): boolean {
  // Tools colour their output when the environment asks for it (FORCE_COLOR in CI): check the plain text.
  const plain = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`);
  const ok = result.status === 0 && check(plain);
  if (!ok) log(`  ${label} failed (exit ${String(result.status)}):\n${tail(result)}`);
  return ok;
}

// The optimizer alone: no tfjs anywhere in the project.
const OPTIMIZER_PACKAGES = ['@asng/core', '@asng/distribution-categorical', '@asng/distribution-gaussian', '@asng/optimizer-asng'];
const optimizer = project('optimizer-only', {}, [...OPTIMIZER_PACKAGES.map(tarball), 'typescript@~6.0']);
const LOOP = `
const optimizer = createAsng({
  variables: [categorical('op', ['conv3x3', 'conv5x5', 'maxpool']), integer('channels', 16, 128)],
  seed: 1,
});
let t = 0;
while (optimizer.stats().convergence < 0.99 && t < 20000) {
  const candidates = optimizer.ask();
  optimizer.tell(candidates, candidates.map(({ architecture }) =>
    (architecture.op === 'maxpool' ? 0 : 1) + Math.abs(architecture.channels - 96) / 32));
  t++;
}
const best = optimizer.best();
if (best.op !== 'maxpool' || t >= 20000) throw new Error('did not converge: ' + JSON.stringify({ best, t, stats: optimizer.stats() }));
console.log(JSON.stringify({ iterations: t, best, convergence: optimizer.stats().convergence }));
`;
if (optimizer.ok) {
  const noTfjs = !existsSync(join(optimizer.dir, 'node_modules', '@tensorflow'));
  if (!noTfjs) log('optimizer-only: @tensorflow packages were installed');
  writeFileSync(
    join(optimizer.dir, 'main.mjs'),
    `import { categorical, integer } from '@asng/core/base';\nimport { createAsng } from '@asng/optimizer-asng';\n${LOOP}`,
  );
  writeFileSync(
    join(optimizer.dir, 'main.cjs'),
    `const { categorical, integer } = require('@asng/core/base');\nconst { createAsng } = require('@asng/optimizer-asng');\n${LOOP}`,
  );
  scenario('optimizerEsm', () => noTfjs && step('node main.mjs', run(process.execPath, ['main.mjs'], optimizer.dir), (o) => o.includes('"maxpool"')));
  scenario('optimizerCjs', () => noTfjs && step('node main.cjs', run(process.execPath, ['main.cjs'], optimizer.dir), (o) => o.includes('"maxpool"')));

  const source = readFileSync(join(root, 'scripts', 'optimizer-only', 'main.ts'), 'utf8');
  writeFileSync(join(optimizer.dir, 'main.ts'), source); // CommonJS under node16 (the project has no "type")
  writeFileSync(join(optimizer.dir, 'main.mts'), source); // ESM under node16
  const tsconfig = (file: string, module: string, resolution: string) => {
    writeFileSync(
      join(optimizer.dir, file),
      `${JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022'],
            module,
            moduleResolution: resolution,
            types: [],
            strict: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: ['main.ts', 'main.mts'],
        },
        null,
        2,
      )}\n`,
    );
  };
  const tsc = join(optimizer.dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeCheck = (config: string) =>
    step(`tsc -p ${config}`, run(process.execPath, [tsc, '-p', config, '--listFiles'], optimizer.dir), (out) => {
      const tfjs = out.split('\n').filter((line) => /[\\/]@tensorflow[\\/]/.test(line));
      if (tfjs.length > 0) log(`  ${config}: tfjs declarations in the program: ${tfjs[0]}`);
      return tfjs.length === 0 && !/error TS\d+/.test(out);
    });
  tsconfig('tsconfig.node16.json', 'node16', 'node16');
  tsconfig('tsconfig.bundler.json', 'esnext', 'bundler');
  scenario('typesNode16', () => typeCheck('tsconfig.node16.json'));
  scenario('typesBundler', () => typeCheck('tsconfig.bundler.json'));
}

// Everything, as a CLI user and a space author install it.
const TFJS = [
  '@tensorflow/tfjs-core@^4.22.0',
  '@tensorflow/tfjs-layers@^4.22.0',
  '@tensorflow/tfjs-backend-cpu@^4.22.0',
  '@tensorflow/tfjs-backend-wasm@^4.22.0',
];
const full = project('full', { type: 'module' }, [...entries.map((e) => tarball(e.name)), ...TFJS, 'vitest@^3.2.0', 'tsx@^4.20.0']);
if (full.ok) {
  const src = join(full.dir, 'src');
  mkdirSync(src);
  for (const file of ['small-cnn-space.ts', 'orientation-dataset.ts', 'space-module.ts']) {
    copyFileSync(join(root, 'examples', 'custom-search-space', 'src', file), join(src, file));
  }
  writeFileSync(
    join(src, 'small-cnn-space.test.ts'),
    `import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describeSearchSpace } from '@asng/testing';
import { beforeAll } from 'vitest';
import { createSmallCnnSpace } from './small-cnn-space.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeSearchSpace('small-cnn', () => createSmallCnnSpace(), { task: { inputShape: [8, 8, 1], classes: 3 } });
`,
  );
  scenario('customSpace', () => {
    const vitest = JSON.parse(readFileSync(join(full.dir, 'node_modules', 'vitest', 'package.json'), 'utf8')) as { version: string };
    if (!vitest.version.startsWith('3.')) log(`  expected vitest 3, got ${vitest.version}`);
    return (
      vitest.version.startsWith('3.') && step('vitest run', run('npx', ['vitest', 'run', '--reporter=dot'], full.dir), (o) => /Tests\s+\d+ passed/.test(o))
    );
  });

  scenario('cli', () => {
    const asng = (argv: readonly string[], env: NodeJS.ProcessEnv = {}) => run('npx', ['asng', ...argv], full.dir, env);
    const tiny = ['--dataset', 'fashion-mnist-subset', '--max-examples', '96', '--batch-size', '8', '--epochs', '1', '--seed', '1', '--json'];
    const search = asng([
      'search',
      '--space',
      'image-classification',
      '--space-option',
      'cells=1',
      '--space-option',
      'channels=4',
      '--space-option',
      'nodes=2',
      '--run-dir',
      'runs/a',
      ...tiny,
    ]);
    const searched = step('asng search (image-classification)', search, () => /^\{.*\}$/m.test(search.stdout));
    if (searched) log(`  ${search.stderr.split('\n').find((l) => l.startsWith('backend:')) ?? 'no backend line'}`);
    const report = step('asng report', asng(['report', 'runs/a', '--json']), () => existsSync(join(full.dir, 'runs', 'a', 'report.html')));
    const refused = asng(['search', '--space', './src/space-module.ts', '--run-dir', 'runs/ts', ...tiny]);
    const advised = refused.status === 2 && refused.stderr.includes('compile the module to JavaScript');
    // Node 22.18+ strips types itself; then the module simply loads.
    const loadsNatively = refused.status === 0;
    if (!advised && !loadsNatively) log(`  a .ts space without tsx: expected advice, got exit ${String(refused.status)}:\n${tail(refused)}`);
    const custom = step(
      'asng search --space ./src/space-module.ts under tsx',
      asng(
        ['search', '--space', './src/space-module.ts', '--space-option', 'maxDepth=1', '--space-option', 'maxChannels=6', '--run-dir', 'runs/custom', ...tiny],
        {
          NODE_OPTIONS: '--import tsx',
        },
      ),
    );
    // Peers skipped (as with --legacy-peer-deps): the cpu fallback says why and what to install.
    const uninstalled = step(
      'npm uninstall @tensorflow/tfjs-backend-wasm',
      run('npm', ['uninstall', '--legacy-peer-deps', '--no-audit', '--no-fund', '@tensorflow/tfjs-backend-wasm'], full.dir),
    );
    const fallback = asng([
      'search',
      '--space',
      'image-classification',
      '--space-option',
      'cells=1',
      '--space-option',
      'channels=4',
      '--space-option',
      'nodes=2',
      '--run-dir',
      'runs/cpu',
      ...tiny,
    ]);
    const explained = step('asng search on the cpu fallback', fallback, () =>
      fallback.stderr.includes('for a faster backend: npm install @tensorflow/tfjs-backend-wasm'),
    );
    // Neither the umbrella @tensorflow/tfjs (webgl, converter, data) nor sharp (image files only) comes with the CLI.
    const lean = ['@tensorflow/tfjs', 'sharp'].filter((name) => existsSync(join(full.dir, 'node_modules', name)));
    if (lean.length > 0) log(`  installed with the CLI, though it needs none of them: ${lean.join(', ')}`);
    return searched && report && (advised || loadsNatively) && custom && uninstalled && explained && lean.length === 0;
  });
}

const ok = contentProblems.length === 0 && Object.values(scenarios).every(Boolean);
const seconds = Math.round((Date.now() - started) / 1000);
log(`release:check ${ok ? 'passed' : 'FAILED'} in ${seconds} s`);
if (args.has('--keep')) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
const result = { packages: entries.length, tarballBytes, contents: contentProblems.length === 0, scenarios, seconds };
if (asJson) console.log(JSON.stringify(result));
else console.log(`${ok ? 'passed' : 'FAILED'}: ${JSON.stringify(result)}`);
process.exit(ok ? 0 : 1);
