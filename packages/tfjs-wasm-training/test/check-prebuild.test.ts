import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** native/check-prebuild.mjs, the release's check of the linux-x64 prebuild, run as packing runs it. */
const script = join(import.meta.dirname, '..', 'native', 'check-prebuild.mjs');
const work = mkdtempSync(join(tmpdir(), 'check-prebuild-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  glibcBaseline: string;
  newestGlibc?: string;
  needed?: string[];
  stripped?: boolean;
  problems: string[];
}

function check(...args: string[]): { status: number | null; report: Report } {
  const result = spawnSync(process.execPath, [script, ...args, '--json'], { encoding: 'utf8' });
  return { status: result.status, report: JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Report };
}

const compiler = ['cc', 'gcc', 'clang'].find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
const glibc = spawnSync('ldd', ['--version'], { encoding: 'utf8' }).stdout?.match(/(\d+)\.(\d+)\s*$/m);
const glibcAtLeast234 = glibc != null && (Number(glibc[1]) > 2 || Number(glibc[2]) >= 34);

describe('check-prebuild', () => {
  it('passes the shipped linux-x64 prebuild: stripped, glibc 2.17 or older, libc and libm only', () => {
    const { status, report } = check();
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ ok: true, glibcBaseline: '2.17', stripped: true });
    expect(Number(report.newestGlibc!.split('.')[1])).toBeLessThanOrEqual(17);
    expect(report.needed!.sort()).toEqual(['libc.so.6', 'libm.so.6']);
  });

  it('fails a missing prebuild and a file that is not an addon', () => {
    const missing = check(join(work, 'none.node'));
    expect(missing.status).toBe(1);
    expect(missing.report.problems[0]).toMatch(/is missing: a release needs the linux-x64 prebuild/);
    writeFileSync(join(work, 'text.node'), 'not an addon');
    const text = check(join(work, 'text.node'));
    expect(text.status).toBe(1);
    expect(text.report.problems).toEqual(['not a linux-x64 addon: not an ELF file']);
  });

  it.skipIf(compiler === undefined || process.platform !== 'linux' || process.arch !== 'x64' || !glibcAtLeast234)(
    "fails an unstripped library that needs the build machine's glibc (pthread_create@GLIBC_2.34)",
    () => {
      const source = join(work, 'threads.c');
      writeFileSync(source, '#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint g(void) { pthread_t t; return pthread_create(&t, 0, f, 0); }\n');
      const library = join(work, 'threads.so');
      expect(spawnSync(compiler!, ['-shared', '-fPIC', '-O2', '-pthread', source, '-o', library]).status).toBe(0);
      const { status, report } = check(library);
      expect(status).toBe(1);
      expect(report.newestGlibc).toBe('2.34');
      expect(report.problems).toEqual(['needs glibc 2.34, newer than the baseline 2.17: GLIBC_2.34 (libc.so.6)', 'not stripped (.symtab)']);
    },
  );
});
