import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdxLoader } from '@asng/dataset-mnist';
import { runDataCli } from './run.js';

async function run(argv: string[], loaders?: Parameters<typeof runDataCli>[2]) {
  let stdout = '';
  let stderr = '';
  const code = await runDataCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, loaders);
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-cli-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('asng-data', () => {
  it('info fashion-mnist-subset --json prints the embedded subset as the last line', async () => {
    const { code, stdout } = await run(['info', 'fashion-mnist-subset', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ name: 'fashion-mnist-subset', train: 6000, test: 1000, shape: [28, 28, 1], classes: 10, source: 'embedded' });
  });

  it('explains where it looked when a dataset is missing and downloads are off', async () => {
    const toy = createIdxLoader({ name: 'toy', description: 'toy', classNames: ['a'], howToGet: 'build one.' });
    const { code, stderr } = await run(['info', 'toy', '--no-download', '--cache-dir', dir, '--path', join(dir, 'mine')], [toy]);
    expect(code).toBe(1);
    expect(stderr).toContain(join(dir, 'mine'));
    expect(stderr).toContain(join(dir, 'toy'));
    expect(stderr).toContain('build one.');
  });

  it('rejects unknown datasets and bad usage', async () => {
    expect((await run(['info', 'imagenet'])).stderr).toMatch(/unknown dataset "imagenet"; known: fashion-mnist-subset, fashion-mnist, mnist, cifar10, celeba/);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['info', 'mnist', '--path'])).code).toBe(2);
  });

  it('lists the datasets', async () => {
    const { code, stdout } = await run(['list', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { name: string }[]).map((d) => d.name)).toContain('fashion-mnist');
  });
});
