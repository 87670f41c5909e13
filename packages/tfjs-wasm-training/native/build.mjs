#!/usr/bin/env node
/**
 * Builds the optional native kernels (native/*.c) into
 * prebuilds/<platform>-<arch>/asng-kernels.node with the system C compiler
 * ($CC, else cc, gcc or clang). Only a C compiler is needed: no node-gyp, no
 * Node.js headers (native/napi-abi.h declares the Node-API functions used).
 *
 *   node native/build.mjs [--optional] [--force]
 *
 * --optional: never fail (used by the package's install script); without a
 *   compiler, or on a CPU family the kernels do not target, the package runs
 *   on its wasm kernels alone.
 * --force: rebuild even when the addon is newer than its sources.
 *
 * The addon is written to a temporary file and renamed into place.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = new Set(process.argv.slice(2));
const optional = args.has('--optional');
const nativeDir = join(root, 'native');
const sources = readdirSync(nativeDir)
  .filter((file) => file.endsWith('.c') || file.endsWith('.h'))
  .sort()
  .map((file) => join(nativeDir, file));
const cFiles = sources.filter((file) => file.endsWith('.c'));
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'asng-kernels.node');

function finish(message, failed) {
  if (failed && !optional) {
    process.stderr.write(`@asng/tfjs-wasm-training: ${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`@asng/tfjs-wasm-training: ${message}${failed ? ' (the wasm kernels will be used alone)' : ''}\n`);
  process.exit(0);
}

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

if (!args.has('--force') && existsSync(target)) {
  const built = statSync(target).mtimeMs;
  // A prebuilt addon that does not load here (another libc, say) is rebuilt.
  if (sources.every((file) => statSync(file).mtimeMs <= built) && loadError(target) === undefined) {
    finish(`native kernels up to date: ${target}`, false);
  }
}

const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
const compiler = candidates.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
if (compiler === undefined) finish(`no C compiler found (tried ${candidates.join(', ')})`, true);

mkdirSync(dirname(target), { recursive: true });
const temporary = join(dirname(target), `asng-kernels.${process.pid}.tmp.node`);
const flags = ['-O3', '-std=gnu11', '-Wall', '-Wextra', '-shared', '-fPIC', '-pthread', '-fvisibility=hidden'];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
const result = spawnSync(compiler, [...flags, ...cFiles, '-o', temporary, '-lm'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) {
  rmSync(temporary, { force: true });
  finish(`${compiler} failed to build the native kernels`, true);
}
const problem = loadError(temporary);
if (problem !== undefined) {
  rmSync(temporary, { force: true });
  finish(`the freshly built native kernels do not load: ${problem}`, true);
}
renameSync(temporary, target);
finish(`built native kernels with ${compiler}: ${target}`, false);
