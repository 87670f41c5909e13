import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// A full disk, simulated: the n-th write of the process fails with ENOSPC (issue 14, D6: a 0-byte
// `cli.json.tmp` was left behind, and the error did not name the file).
const failing = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      if (failing.on) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    },
  };
});

const { writeFileAtomic, writeJsonAtomic } = await import('./atomic-write.js');

let dir: string;
afterEach(() => {
  failing.on = false;
  rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic on a full disk', () => {
  it('names the file, keeps ENOSPC as the code, leaves the previous file whole and no temporary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-enospc-'));
    for (const [name, write] of [
      ['cli.json', (path: string) => writeJsonAtomic(path, { space: 'inpainting' })],
      ['report.html', (path: string) => writeFileAtomic(path, '<html></html>')],
      ['checkpoint.bin', (path: string) => writeFileAtomic(path, [Uint8Array.of(1, 2), Uint8Array.of(3)])],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, 'previous');
      failing.on = true;
      let thrown: (Error & { code?: string }) | undefined;
      try {
        write(path);
      } catch (error) {
        thrown = error as Error & { code?: string };
      }
      failing.on = false;
      expect(thrown?.message).toBe(`${path}: could not write the file (ENOSPC: no space left on device, write)`);
      expect(thrown?.code).toBe('ENOSPC');
      expect(readFileSync(path, 'utf8')).toBe('previous');
    }
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.bin', 'cli.json', 'report.html']);
  });
});
