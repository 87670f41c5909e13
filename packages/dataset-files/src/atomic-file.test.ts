import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAtomicFile, removeAbandonedTemporaries, writeFileAtomically } from './atomic-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'asng-atomic-'));
  dirs.push(dir);
  return dir;
};
/** A pid no process has (above Linux's largest `pid_max`). */
const DEAD_PID = 99_999_999;

describe('writeFileAtomically', () => {
  it('writes the file in chunks and leaves no temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    await writeFileAtomically(path, async (file) => {
      await file.write(Buffer.from('new '));
      await file.write(Buffer.from('content'));
    });
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it("throws the writer's own error unchanged, keeps the previous file and removes the temporary file", async () => {
    const dir = tempDir();
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    const failure = new Error('the checksum did not match');
    const error = await writeFileAtomically(path, async (file) => {
      await file.write(Buffer.from('half'));
      throw failure;
    }).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('on a full disk names the file, keeps ENOSPC and removes the temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.bin');
    const error = (await writeFileAtomically(path, async (file) => {
      // A full disk, simulated: every write of the temporary file fails as the system would.
      file.handle.write = (() => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))) as never;
      await file.write(Buffer.from('bytes'));
    }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.message).toBe(`${path}: could not write the file (ENOSPC: no space left on device, write)`);
    expect(error.code).toBe('ENOSPC');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('when the rename fails (the destination is a directory) names the file and removes the temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    const error = (await writeFileAtomically(path, (file) => file.write(Buffer.from('bytes'))).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.message.startsWith(`${path}: could not write the file (`)).toBe(true);
    expect(error.code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(path)).toEqual(['inside']);
  });

  it('in a missing directory names the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'missing', 'out.bin');
    const error = (await writeFileAtomically(path, (file) => file.write(Buffer.from('bytes'))).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.message.startsWith(`${path}: could not create its temporary file (ENOENT`)).toBe(true);
    expect(error.code).toBe('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('openAtomicFile', () => {
  it('writes at offsets, reads back, and with keepOpen stays readable after the rename', async () => {
    const dir = tempDir();
    const path = join(dir, 'cache.bin');
    const file = await openAtomicFile(path);
    expect(file.temporary).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.asng-tmp-${process.pid}-[0-9a-z]+$`));
    await file.write(Buffer.from('bb'), 2);
    await file.write(Buffer.from('aa'), 0);
    await file.commit({ keepOpen: true });
    const back = Buffer.alloc(4);
    await file.handle.read(back, 0, 4, 0);
    expect(back.toString()).toBe('aabb');
    expect(readdirSync(dir)).toEqual(['cache.bin']);
    await file.abort();
    expect(readFileSync(path, 'utf8')).toBe('aabb');
  });

  it('abort removes an uncommitted temporary file', async () => {
    const dir = tempDir();
    const file = await openAtomicFile(join(dir, 'x.bin'));
    await file.write(Buffer.from('x'));
    await file.abort();
    await file.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('removeAbandonedTemporaries', () => {
  it("removes the temporary files of processes no longer running, only for the destinations accepted, not this process's", async () => {
    const dir = tempDir();
    const names = [`a.bin.asng-tmp-${DEAD_PID}-0`, `b.bin.asng-tmp-${DEAD_PID}-1`, `a.bin.asng-tmp-${process.pid}-2`, 'a.bin', 'a.bin.part'];
    for (const name of names) writeFileSync(join(dir, name), '');
    expect(await removeAbandonedTemporaries(dir, (name) => name === 'a.bin')).toEqual([`a.bin.asng-tmp-${DEAD_PID}-0`]);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
    expect(await removeAbandonedTemporaries(dir)).toEqual([`b.bin.asng-tmp-${DEAD_PID}-1`]);
    expect(await removeAbandonedTemporaries(join(dir, 'missing'))).toEqual([]);
  });
});
