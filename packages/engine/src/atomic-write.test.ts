import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

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
});
