#!/usr/bin/env node
/**
 * Builds the optional native kernels (native/*.c) into
 * prebuilds/<platform>-<arch>/asng-kernels.node with the system C compiler
 * ($CC, else cc, gcc or clang). Only a C compiler is needed: no node-gyp, no
 * Node.js headers (native/napi-abi.h declares the Node-API functions used).
 *
 *   node native/build.mjs [--optional] [--force] [--release]
 *
 * --optional: never fail (used by the package's install script); without a
 *   compiler, or on a CPU family the kernels do not target, the package runs
 *   on its wasm kernels alone.
 * --force: rebuild even when the addon was built from these sources.
 * --release (prepack): fail unless prebuilds/linux-x64/asng-kernels.node is
 *   present, was built from these sources and passes check-prebuild.mjs
 *   (stripped, glibc baseline), building it first on linux-x64, so that no
 *   release ships without the linux-x64 prebuild.
 *
 * Whether an addon is up to date is decided by a digest of the sources and
 * the compiler flags, written beside it (asng-kernels.node.sources-sha256),
 * not by timestamps: an install from the registry gives the sources and the
 * prebuild arbitrary times. A prebuild that loads is kept: rebuilt only when
 * its digest differs and a compiler is there, never dropped for want of one.
 * The addon is stripped (-s) on Linux.
 *
 * The addon is written to a temporary file and renamed into place.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GLIBC_BASELINE, prebuildProblems } from './check-prebuild.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const release = args.has('--release');
const nativeDir = join(root, 'native');
const sources = readdirSync(nativeDir)
  .filter((file) => file.endsWith('.c') || file.endsWith('.h'))
  .sort()
  .map((file) => join(nativeDir, file));
const cFiles = sources.filter((file) => file.endsWith('.c'));
const prebuildFor = (platformArch) => join(root, 'prebuilds', platformArch, 'asng-kernels.node');
const target = prebuildFor(`${process.platform}-${process.arch}`);
const stampOf = (file) => `${file}.sources-sha256`;

const flags = ['-O3', '-std=gnu11', '-Wall', '-Wextra', '-shared', '-fPIC', '-pthread', '-fvisibility=hidden'];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
if (process.platform === 'linux') flags.push('-s');

/**
 * The glibc baseline of the Linux addon (GLIBC_BASELINE, 2.17, in
 * check-prebuild.mjs). glibc 2.34 moved pthread_create and
 * pthread_join into libc under a new symbol version, so an addon linked on a
 * newer system needs glibc 2.34; binding them to their original x86-64
 * version (which every glibc still exports) keeps the addon loadable from
 * glibc 2.17 (its other symbols: memcpy 2.14, aligned_alloc 2.16) whatever
 * glibc it is built on. Checked after each build.
 */
const GLIBC_COMPAT = `__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.2.5");
`;

/** The digest of what an addon is built from: the flags, the glibc pins, and each source's name and bytes. */
const hash = createHash('sha256').update(JSON.stringify(flags));
if (process.platform === 'linux') hash.update(GLIBC_COMPAT);
for (const file of sources) hash.update(`\0${file.slice(nativeDir.length + 1)}\0`).update(readFileSync(file));
const digest = hash.digest('hex');

/** Whether the addon at `file` was built from these sources (its digest file matches). */
function builtFromTheseSources(file) {
  try {
    return existsSync(file) && readFileSync(stampOf(file), 'utf8').trim() === digest;
  } catch {
    return false;
  }
}

function finish(message, failed) {
  if (failed && !optional) {
    const why = release ? '; a release needs prebuilds/linux-x64/asng-kernels.node built from these sources' : '';
    process.stderr.write(`@asng/tfjs-wasm-training: ${message}${why}\n`);
    process.exit(1);
  }
  process.stderr.write(`@asng/tfjs-wasm-training: ${message}${failed ? ' (the wasm kernels will be used alone)' : ''}\n`);
  process.exit(0);
}

/** --release: the linux-x64 prebuild must ship, built from these sources. */
function checkRelease() {
  const required = prebuildFor('linux-x64');
  if (!existsSync(required)) {
    process.stderr.write(
      `@asng/tfjs-wasm-training: a release needs ${required}; build it on linux-x64 (npm run build:native in this package) before packing\n`,
    );
    process.exit(1);
  }
  if (!builtFromTheseSources(required)) {
    process.stderr.write(
      `@asng/tfjs-wasm-training: ${required} was not built from the current native/ sources (${stampOf(required)} differs or is missing); rebuild it on linux-x64 (npm run build:native)\n`,
    );
    process.exit(1);
  }
  const { problems } = prebuildProblems(readFileSync(required));
  if (problems.length > 0) {
    process.stderr.write(`@asng/tfjs-wasm-training: ${required} cannot ship: ${problems.join('; ')}; rebuild it on linux-x64 (npm run build:native)\n`);
    process.exit(1);
  }
  process.stderr.write(
    `@asng/tfjs-wasm-training: the linux-x64 prebuild is built from these sources, stripped, for glibc ${GLIBC_BASELINE} or later: ${required}\n`,
  );
  process.exit(0);
}

const nativeHere = process.arch === 'x64' && process.platform !== 'win32';
if (release && !(nativeHere && process.platform === 'linux')) checkRelease();
if (process.arch !== 'x64') finish(`no native kernels for ${process.arch} (they use x86-64 AVX2/FMA)`, true);
if (process.platform === 'win32') finish('no native kernels for Windows', true);

/** The error of loading the addon at `file` in this Node.js, or undefined when it loads. */
function loadError(file) {
  try {
    const addon = createRequire(import.meta.url)(file);
    return typeof addon.conv2d === 'function' ? undefined : 'it exports no conv2d';
  } catch (error) {
    return error.message;
  }
}

const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
const compiler = candidates.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);

const force = args.has('--force');
if (!force && existsSync(target)) {
  const problem = loadError(target);
  if (problem === undefined && builtFromTheseSources(target)) {
    if (release) checkRelease();
    finish(`native kernels up to date: ${target}`, false);
  }
  if (problem === undefined && compiler === undefined && !release) {
    finish(`keeping the prebuilt native kernels, which load here (no C compiler to rebuild them from these sources): ${target}`, false);
  }
  if (problem !== undefined && compiler === undefined)
    finish(`the prebuilt native kernels do not load here (${problem}) and no C compiler was found to rebuild them`, true);
}
if (compiler === undefined) finish(`no C compiler found (tried ${candidates.join(', ')})`, true);

mkdirSync(dirname(target), { recursive: true });
const temporary = join(dirname(target), `asng-kernels.${process.pid}.tmp.node`);
const pins = [];
if (process.platform === 'linux') {
  const header = join(dirname(target), `glibc-compat.${process.pid}.tmp.h`);
  writeFileSync(header, GLIBC_COMPAT);
  pins.push('-include', header);
}
const result = spawnSync(compiler, [...flags, ...pins, ...cFiles, '-o', temporary, '-lm'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (pins.length > 0) rmSync(pins[1], { force: true });
if (result.status !== 0) {
  rmSync(temporary, { force: true });
  finish(`${compiler} failed to build the native kernels`, true);
}
if (process.platform === 'linux') {
  // The checks a release makes (check-prebuild.mjs): the glibc baseline, stripped, the libraries linked.
  const { problems } = prebuildProblems(readFileSync(temporary));
  if (problems.length > 0) {
    rmSync(temporary, { force: true });
    finish(`the built native kernels cannot be used: ${problems.join('; ')}`, true);
  }
}
const problem = loadError(temporary);
if (problem !== undefined) {
  rmSync(temporary, { force: true });
  finish(`the freshly built native kernels do not load: ${problem}`, true);
}
renameSync(temporary, target);
writeFileSync(stampOf(target), `${digest}\n`);
if (release) checkRelease();
finish(`built native kernels with ${compiler}: ${target}`, false);
