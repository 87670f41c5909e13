import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetNotFoundError } from './errors.js';
import { exists, firstExisting, locateDataset } from './locate.js';

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

  it('names which files of a given path are missing, and never falls back to the complete cached copy', async () => {
    const { root, options } = setUp();
    const mine = join(root, 'mine');
    const probe = async (dir: string) => ((await firstExisting(dir, ['a.gz', 'a'])) && (await firstExisting(dir, ['b.gz', 'b'])) ? dir : null);
    const error = (await locateDataset({ ...options, probe, path: mine }).catch((e: unknown) => e)) as DatasetNotFoundError;
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect(error.missing).toEqual({ place: mine, files: [`${join(mine, 'b')}[.gz]`] });
    expect(error.message).toContain(`Not found in ${mine}:\n  - ${join(mine, 'b')}[.gz]\n`);
    expect(error.message).not.toContain(join(root, 'cache'));
  });

  it('names every missing file of the remote list, not only the first the probe stopped at', async () => {
    const { root, options } = setUp();
    const mine = join(root, 'mine');
    const names = ['a', 'b', 'c'];
    const probe = async (dir: string) => {
      for (const name of names) if ((await firstExisting(dir, [`${name}.gz`, name])) === null) return null;
      return dir;
    };
    const remoteFiles = names.map((name) => ({ name: `${name}.gz`, sha256: '0'.repeat(64) }));
    rmSync(join(mine, 'a'));
    writeFileSync(join(mine, 'b.gz'), 'b');
    const error = (await locateDataset({ ...options, probe, remoteFiles, mirror: 'https://example.org/', path: mine }).catch(
      (e: unknown) => e,
    )) as DatasetNotFoundError;
    expect(error.missing?.files).toEqual([`${join(mine, 'a')}[.gz]`, `${join(mine, 'c')}[.gz]`]);
  });

  it('names each path a probe looked for with exists, and a given path that does not exist', async () => {
    const { root, options } = setUp();
    const mine = join(root, 'mine');
    const probe = async (dir: string) => ((await exists(join(dir, 'x'))) || (await exists(join(dir, 'sub', 'x'))) ? dir : null);
    let error = (await locateDataset({ ...options, probe, path: mine }).catch((e: unknown) => e)) as DatasetNotFoundError;
    expect(error.missing?.files).toEqual([join(mine, 'x'), join(mine, 'sub', 'x')]);
    expect(error.message).toContain(`  - ${join(mine, 'sub', 'x')}`);
    const gone = join(root, 'gone');
    error = (await locateDataset({ ...options, probe, path: gone }).catch((e: unknown) => e)) as DatasetNotFoundError;
    expect(error.missing).toEqual({ place: gone, files: [] });
    expect(error.message).toContain(`${gone} does not exist.`);
  });

  it('keeps the plain message when the probe does not say what it looked for', async () => {
    const { root, options } = setUp();
    const error = (await locateDataset({ ...options, path: join(root, 'mine') }).catch((e: unknown) => e)) as DatasetNotFoundError;
    expect(error.missing).toBeUndefined();
    expect(error.message).not.toContain('Not found in');
    // Outside a probe, exists and firstExisting record nothing.
    expect(await exists(join(root, 'nothing'))).toBe(false);
    expect(await firstExisting(root, ['nothing'])).toBeNull();
  });
});
