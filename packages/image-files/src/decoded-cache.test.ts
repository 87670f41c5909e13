import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DECODED_CACHE_HEADER_BYTES, DecodedImageCache } from './decoded-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two stand-in image files (only their paths, sizes and times matter here) and a cache of 1x1 images. */
async function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'asng-decoded-cache-'));
  dirs.push(root);
  const files = ['a.png', 'b.png'].map((name) => join(root, name));
  for (const file of files) writeFileSync(file, file);
  const dir = join(root, 'cache');
  const cache = await DecodedImageCache.open(dir, files, { size: 1 });
  const partial = cache.path;
  expect(partial).toMatch(new RegExp(`\\.partial-${process.pid}$`));
  return { dir, cache, partial, final: partial.replace(/\.partial-\d+$/, '.bin') };
}

describe('DecodedImageCache writes', () => {
  it('completes the file by a rename, leaving no partial file', async () => {
    const { dir, cache, final } = await setUp();
    await cache.write(1, Uint8Array.of(4, 5, 6));
    await cache.write(0, Uint8Array.of(1, 2, 3));
    expect(cache.isComplete).toBe(true);
    expect(cache.path).toBe(final);
    expect(readdirSync(dir)).toEqual([final.slice(dir.length + 1)]);
    expect([...readFileSync(final).subarray(DECODED_CACHE_HEADER_BYTES)]).toEqual([1, 2, 3, 4, 5, 6]);
    await cache.close();
  });

  it('when the rename fails (the file name is taken by a directory) names the file and removes the partial file', async () => {
    const { dir, cache, final } = await setUp();
    mkdirSync(final);
    writeFileSync(join(final, 'inside'), 'x');
    await cache.write(0, Uint8Array.of(1, 2, 3));
    const error = (await cache.write(1, Uint8Array.of(4, 5, 6)).catch((e: unknown) => e)) as Error;
    expect(error.message.startsWith(`${final}: could not write the file (`)).toBe(true);
    expect(cache.isComplete).toBe(false);
    expect(readdirSync(dir)).toEqual([final.slice(dir.length + 1)]);
    await cache.close();
    expect(readdirSync(dir)).toEqual([final.slice(dir.length + 1)]);
  });

  it('on a full disk names the file, and close leaves no partial file', async () => {
    const { dir, cache, final, partial } = await setUp();
    // A full disk, simulated on the open partial file: every write fails as the system would.
    const handle = (cache as unknown as { handle: { write: unknown } }).handle;
    handle.write = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    const error = (await cache.write(0, Uint8Array.of(1, 2, 3)).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.message).toBe(`${final}: could not write the file (ENOSPC: no space left on device, write)`);
    expect(error.code).toBe('ENOSPC');
    expect(cache.has(0)).toBe(false);
    expect(readdirSync(dir)).toEqual([partial.slice(dir.length + 1)]);
    await cache.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
