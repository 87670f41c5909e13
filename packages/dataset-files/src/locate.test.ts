import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetNotFoundError } from './errors.js';
import { locateDataset } from './locate.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A cache holding a complete copy, and a user folder missing one of the two files. */
function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'asng-locate-'));
  dirs.push(root);
  mkdirSync(join(root, 'cache', 'toy'), { recursive: true });
  for (const f of ['a', 'b']) writeFileSync(join(root, 'cache', 'toy', f), f);
  mkdirSync(join(root, 'mine'));
  writeFileSync(join(root, 'mine', 'a'), 'a');
  const probe = async (place: string) => {
    const { existsSync } = await import('node:fs');
    return existsSync(join(place, 'a')) && existsSync(join(place, 'b')) ? place : null;
  };
  return { root, options: { dataset: 'toy', probe, cacheDir: join(root, 'cache'), howToGet: 'make them', download: false as const } };
}

describe('locateDataset', () => {
  it('finds the cached copy when no path is given', async () => {
    const { root, options } = setUp();
    expect((await locateDataset(options)).source).toBe(join(root, 'cache', 'toy'));
  });

  it('uses a given path alone: an incomplete folder is an error naming it, not the cached copy', async () => {
    const { root, options } = setUp();
    const mine = join(root, 'mine');
    const error = await locateDataset({ ...options, path: mine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as DatasetNotFoundError).searched).toEqual([`${mine} (the path given: used alone, no other place is searched)`]);
    await expect(locateDataset({ ...options, path: join(root, 'missing') })).rejects.toThrow(/toy: dataset files not found/);
    writeFileSync(join(mine, 'b'), 'b');
    expect((await locateDataset({ ...options, path: mine })).source).toBe(mine);
  });
});
