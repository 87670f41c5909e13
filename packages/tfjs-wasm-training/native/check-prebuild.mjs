#!/usr/bin/env node
/**
 * Checks the linux-x64 prebuild that a release ships
 * (prebuilds/linux-x64/asng-kernels.node), on any platform: it must be there,
 * be an x86-64 ELF shared object, be stripped (no .symtab, no debug sections),
 * link only glibc's libc, libm and libpthread, and need no glibc symbol version
 * newer than GLIBC_BASELINE (2.17), read from its .gnu.version_r section.
 * Run by the package's prepack (so packing, publishing and release:check fail
 * without it) and by build.mjs after each build.
 *
 *   node native/check-prebuild.mjs [FILE] [--json] [--rebuild [--require-identical]]
 *
 * --rebuild also builds the addon again from native/ in a temporary directory
 * with this machine's C compiler (linux-x64 only) and says whether the bytes
 * are identical to the prebuild's; --require-identical makes a difference fail.
 * The committed prebuild comes out byte for byte with Debian 12's gcc 12.2.0
 * (see the README). Exit status 1 when a check fails; with --json the last
 * line is {"file", "ok", "glibcBaseline", "newestGlibc", "needed", "stripped", "problems", ...}.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The oldest glibc the linux-x64 prebuild must load on: no GLIBC_x.y symbol version above it. */
export const GLIBC_BASELINE = '2.17';
/** The shared libraries the addon may link. */
export const ALLOWED_NEEDED = ['libc.so.6', 'libm.so.6', 'libpthread.so.0'];

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));
export const LINUX_X64_PREBUILD = join(packageRoot, 'prebuilds', 'linux-x64', 'asng-kernels.node');

/** Compares two `major.minor` versions: negative, zero or positive. */
export function compareVersions(a, b) {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/**
 * What an ELF64 little-endian file is: machine, type, whether it is stripped,
 * the libraries it needs (DT_NEEDED) and the symbol versions it needs per library
 * (.gnu.version_r). Throws when `bytes` is not such a file.
 */
export function inspectElf(bytes) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 64 || buffer.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buffer[4] !== 2 || buffer[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const type = buffer.readUInt16LE(16);
  const machine = buffer.readUInt16LE(18);
  const shoff = Number(buffer.readBigUInt64LE(40));
  const shentsize = buffer.readUInt16LE(58);
  const shnum = buffer.readUInt16LE(60);
  const shstrndx = buffer.readUInt16LE(62);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      nameOffset: buffer.readUInt32LE(at),
      type: buffer.readUInt32LE(at + 4),
      offset: Number(buffer.readBigUInt64LE(at + 24)),
      size: Number(buffer.readBigUInt64LE(at + 32)),
      link: buffer.readUInt32LE(at + 40),
      info: buffer.readUInt32LE(at + 44),
    });
  }
  const stringAt = (section, offset) => {
    const start = section.offset + offset;
    return buffer.toString('latin1', start, buffer.indexOf(0, start));
  };
  const names = sections[shstrndx];
  for (const section of sections) section.name = names === undefined ? '' : stringAt(names, section.nameOffset);

  const needed = [];
  const versions = {};
  for (const section of sections) {
    if (section.type === 6) {
      // SHT_DYNAMIC: DT_NEEDED entries name the libraries.
      for (let at = section.offset; at + 16 <= section.offset + section.size; at += 16) {
        const tag = buffer.readBigInt64LE(at);
        if (tag === 0n) break;
        if (tag === 1n) needed.push(stringAt(sections[section.link], Number(buffer.readBigUInt64LE(at + 8))));
      }
    } else if (section.type === 0x6ffffffe) {
      // SHT_GNU_verneed: per library, the version names needed from it.
      const strings = sections[section.link];
      let entry = section.offset;
      for (let i = 0; i < section.info; i++) {
        const file = stringAt(strings, buffer.readUInt32LE(entry + 4));
        const count = buffer.readUInt16LE(entry + 2);
        let aux = entry + buffer.readUInt32LE(entry + 8);
        versions[file] ??= [];
        for (let j = 0; j < count; j++) {
          versions[file].push(stringAt(strings, buffer.readUInt32LE(aux + 8)));
          aux += buffer.readUInt32LE(aux + 12);
        }
        entry += buffer.readUInt32LE(entry + 12);
      }
    }
  }
  const unstripped = sections.filter((s) => s.type === 2 || s.name.startsWith('.debug')).map((s) => s.name);
  return { type, machine, needed, versions, stripped: unstripped.length === 0, unstripped };
}

/** The newest GLIBC_x.y version among an inspection's version needs, or undefined. */
export function newestGlibc(inspection) {
  let newest;
  for (const name of Object.values(inspection.versions).flat()) {
    const match = /^GLIBC_(\d+\.\d+)/.exec(name);
    if (match !== null && (newest === undefined || compareVersions(match[1], newest) > 0)) newest = match[1];
  }
  return newest;
}

/** The release checks of the linux-x64 addon's bytes: the problems found (none: it may ship). */
export function prebuildProblems(bytes) {
  let inspection;
  try {
    inspection = inspectElf(bytes);
  } catch (error) {
    return { problems: [`not a linux-x64 addon: ${error.message}`] };
  }
  const problems = [];
  if (inspection.machine !== 62) problems.push(`built for ELF machine ${inspection.machine}, not x86-64 (62)`);
  if (inspection.type !== 3) problems.push(`ELF type ${inspection.type}, not a shared object (3)`);
  const newest = newestGlibc(inspection);
  if (newest !== undefined && compareVersions(newest, GLIBC_BASELINE) > 0) {
    const which = Object.entries(inspection.versions)
      .flatMap(([file, names]) => names.filter((n) => /^GLIBC_/.test(n) && compareVersions(n.slice(6), GLIBC_BASELINE) > 0).map((n) => `${n} (${file})`))
      .join(', ');
    problems.push(`needs glibc ${newest}, newer than the baseline ${GLIBC_BASELINE}: ${which}`);
  }
  if (!inspection.stripped) problems.push(`not stripped (${inspection.unstripped.join(', ')})`);
  const extra = inspection.needed.filter((lib) => !ALLOWED_NEEDED.includes(lib));
  if (extra.length > 0) problems.push(`links ${extra.join(', ')} (only ${ALLOWED_NEEDED.join(', ')} are allowed)`);
  return { inspection, newestGlibc: newest, problems };
}

/** Builds the addon again from native/ in a temporary directory; its sha256 and the compiler, or the reason it could not. */
function rebuild() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { skipped: `no rebuild on ${process.platform}-${process.arch}` };
  const work = mkdtempSync(join(tmpdir(), 'asng-kernels-rebuild-'));
  try {
    cpSync(join(packageRoot, 'native'), join(work, 'native'), { recursive: true });
    const result = spawnSync(process.execPath, [join(work, 'native', 'build.mjs'), '--force'], { encoding: 'utf8' });
    const built = join(work, 'prebuilds', 'linux-x64', 'asng-kernels.node');
    if (result.status !== 0 || !existsSync(built)) return { error: `the rebuild failed: ${`${result.stdout}${result.stderr}`.trim().slice(-1000)}` };
    const compiler = /built native kernels with (\S+):/.exec(result.stderr)?.[1];
    const version = compiler === undefined ? undefined : spawnSync(compiler, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0];
    return { sha256: createHash('sha256').update(readFileSync(built)).digest('hex'), compiler: version ?? compiler };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const file = resolve(args.find((a) => !a.startsWith('--')) ?? LINUX_X64_PREBUILD);
  const report = { file, ok: false, glibcBaseline: GLIBC_BASELINE };
  if (!existsSync(file)) {
    report.problems = [`${file} is missing: a release needs the linux-x64 prebuild (build it on linux-x64: npm run build:native in @asng/tfjs-wasm-training)`];
  } else {
    const bytes = readFileSync(file);
    const { inspection, newestGlibc: newest, problems } = prebuildProblems(bytes);
    Object.assign(report, {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      newestGlibc: newest,
      needed: inspection?.needed,
      stripped: inspection?.stripped,
      problems,
    });
    if (args.includes('--rebuild')) {
      const again = rebuild();
      report.rebuild = again.sha256 === undefined ? again : { compiler: again.compiler, identical: again.sha256 === report.sha256, sha256: again.sha256 };
      if (again.error !== undefined) problems.push(again.error);
      if (args.includes('--require-identical') && report.rebuild.identical === false) {
        problems.push(`a rebuild with ${again.compiler} differs from the prebuild (sha256 ${again.sha256})`);
      }
    }
  }
  report.ok = report.problems.length === 0;
  for (const problem of report.problems) process.stderr.write(`@asng/tfjs-wasm-training: linux-x64 prebuild: ${problem}\n`);
  if (report.ok) {
    const rebuilt =
      report.rebuild?.identical === undefined ? '' : `; rebuilt with ${report.rebuild.compiler}: ${report.rebuild.identical ? 'identical' : 'different bytes'}`;
    process.stderr.write(
      `@asng/tfjs-wasm-training: linux-x64 prebuild ok: stripped, needs glibc ${report.newestGlibc ?? '(none)'} (baseline ${GLIBC_BASELINE}), links ${report.needed.join(', ')}${rebuilt}\n`,
    );
  }
  if (json) console.log(JSON.stringify(report));
  process.exitCode = report.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
