import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDirectory } from './create-directory.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createDirectory', () => {
  it('creates the directory and its missing parents, and accepts an existing one', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-mkdir-'));
    const deep = join(dir, 'a', 'b', 'c');
    createDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    createDirectory(deep);
    createDirectory(dir);
  });

  it('fails at once, naming the path, below a file', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-mkdir-'));
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(() => createDirectory(join(file, 'run', 'x'))).toThrow(`${join(file, 'run', 'x')}: cannot create the directory: ${file} is a file, not a directory`);
    expect(() => createDirectory(file)).toThrow(`${file}: cannot create the directory: ${file} is a file, not a directory`);
  });

  // Node's recursive mkdirSync loops forever there (procfs answers ENOENT to mkdir).
  it.runIf(existsSync('/proc/self'))('fails at once, naming the path, under /proc', () => {
    dir = mkdtempSync(join(tmpdir(), 'asng-mkdir-'));
    const started = Date.now();
    expect(() => createDirectory('/proc/asng-run/x')).toThrow(/^\/proc\/asng-run\/x: cannot create the directory \(ENOENT/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
