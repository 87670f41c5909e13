import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeLeftoverTempFiles, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes text, bytes and chunks, replacing the file and leaving no temporary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-atomic-'));
    const path = join(dir, 'f');
    writeFileAtomic(path, 'text');
    expect(readFileSync(path, 'utf8')).toBe('text');
    writeFileAtomic(path, [Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)]);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    writeJsonAtomic(path, { a: 1 });
    expect(readFileSync(path, 'utf8')).toBe('{\n  "a": 1\n}\n');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('keeps the previous file whole when interrupted before the rename', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-atomic-'));
    const path = join(dir, 'f');
    writeFileSync(path, 'old');
    const crash = () => {
      throw new Error('killed');
    };
    expect(() => writeFileAtomic(path, 'new', { beforeRename: crash })).toThrow('killed');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('names the file in its errors, keeps the system code, and removes its temporary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-atomic-'));
    const missing = join(dir, 'no-such-dir', 'f');
    expect(() => writeFileAtomic(missing, 'x')).toThrow(new RegExp(`^${missing}: could not write the file \\(ENOENT`));
    try {
      writeFileAtomic(missing, 'x');
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
    // A write that fails after the temporary file was created (here, a chunk that is not bytes).
    const path = join(dir, 'f');
    writeFileSync(path, 'old');
    expect(() => writeFileAtomic(path, [Uint8Array.of(1), { length: 1 } as unknown as Uint8Array])).toThrow(new RegExp(`^${path}: could not write the file`));
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });
});

describe('removeLeftoverTempFiles', () => {
  it("removes the temporary files of killed writes (this version's and the engine's earlier pattern), and nothing else", () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-atomic-'));
    const keep = ['checkpoint.bin', 'log.jsonl', 'notes.tmp', 'model', 'a.tmp-1'];
    const leftovers = ['checkpoint.bin.asng-tmp-4242-0', 'cli.json.asng-tmp-17-1z', 'checkpoint.bin.tmp-4242-1764850000000', 'model.asng-tmp-9-3'];
    for (const name of [...keep, ...leftovers]) {
      if (name.startsWith('model')) {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'weights.bin'), 'w');
      } else {
        writeFileSync(join(dir, name), 'x');
      }
    }
    expect(removeLeftoverTempFiles(dir).sort()).toEqual([...leftovers].sort());
    expect(readdirSync(dir).sort()).toEqual([...keep].sort());
    expect(() => removeLeftoverTempFiles(join(dir, 'gone'))).toThrow(new RegExp(`^${join(dir, 'gone')}: could not list the directory`));
  });
});
