import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdxLoader, MNIST_FILE_NAMES } from '@asng/dataset-mnist';
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
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      name: 'fashion-mnist-subset',
      train: 6000,
      test: 1000,
      shape: [28, 28, 1],
      classes: 10,
      source: 'embedded',
    });
  });

  it('explains where it looked when a dataset is missing and downloads are off', async () => {
    const toy = createIdxLoader({ name: 'toy', description: 'toy', classNames: ['a'], howToGet: 'build one.' });
    const { code, stderr } = await run(['info', 'toy', '--no-download', '--cache-dir', dir], [toy]);
    expect(code).toBe(1);
    expect(stderr).toContain(join(dir, 'toy'));
    expect(stderr).toContain('build one.');
    // A given --path is the only place looked at: never a silent fallback to another copy.
    const given = await run(['info', 'toy', '--no-download', '--cache-dir', dir, '--path', join(dir, 'mine')], [toy]);
    expect(given.code).toBe(1);
    expect(given.stderr).toContain(`${join(dir, 'mine')} (the path given: used alone`);
  });

  it('downloads from --mirror with a progress bar on stderr, then reports the cached copy', async () => {
    const header = (magic: number, ...dims: number[]) =>
      Buffer.concat([Buffer.from([0, 0, 8, magic & 0xff]), ...dims.map((d) => Buffer.from([d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]))]);
    const files: Record<string, Buffer> = {
      [MNIST_FILE_NAMES.trainImages]: Buffer.concat([header(3, 3, 2, 2), Buffer.alloc(12, 7)]),
      [MNIST_FILE_NAMES.trainLabels]: Buffer.concat([header(1, 3), Buffer.from([0, 1, 0])]),
      [MNIST_FILE_NAMES.testImages]: Buffer.concat([header(3, 1, 2, 2), Buffer.alloc(4, 9)]),
      [MNIST_FILE_NAMES.testLabels]: Buffer.concat([header(1, 1), Buffer.from([1])]),
    };
    const served = new Map(Object.entries(files).map(([name, bytes]) => [`/${name}.gz`, gzipSync(bytes)]));
    const server = createServer((request, response) => {
      const bytes = served.get(request.url ?? '');
      if (bytes === undefined) response.writeHead(404).end();
      else response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const sha256 = Object.fromEntries([...served].map(([url, bytes]) => [url.slice(1), createHash('sha256').update(bytes).digest('hex')]));
      const toy = createIdxLoader({ name: 'toy', description: 'toy', classNames: ['a', 'b'], mirror: `${mirror}wrong/`, sha256, howToGet: '-' });
      const first = await run(['info', 'toy', '--json', '--mirror', mirror, '--cache-dir', dir], [toy]);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain(`download ${MNIST_FILE_NAMES.trainImages}.gz [####################] 100%`);
      expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toEqual({
        name: 'toy',
        train: 3,
        test: 1,
        shape: [2, 2, 1],
        classes: 2,
        source: join(dir, 'toy'),
      });
      const second = await run(['info', 'toy', '--json', '--no-download', '--cache-dir', dir], [toy]);
      expect(second.code).toBe(0);
      expect(second.stderr).toBe('');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects unknown datasets and bad usage', async () => {
    expect((await run(['info', 'imagenet'])).stderr).toMatch(/unknown dataset "imagenet"; known: fashion-mnist-subset, fashion-mnist, mnist, cifar10, celeba/);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['info', 'mnist', '--path'])).code).toBe(2);
    // Each usage error says what is wrong before the usage text.
    const cases: [string[], string][] = [
      [['frobnicate'], 'asng-data: unknown command "frobnicate"'],
      [[], 'asng-data: a command is needed'],
      [['info', '--data-path', '/nowhere'], "asng-data: 'info' needs a dataset name"],
      [['info', 'mnist', '--dat-path', '/x'], 'asng-data: unknown option --dat-path; accepted: --path (or --data-path)'],
      [['info', 'mnist', '--path', '/a', '--data-path', '/b'], 'asng-data: --path and --data-path are the same option'],
      [['info', 'mnist', 'extra'], 'asng-data: unexpected argument "extra"'],
      [['list', 'extra'], 'asng-data: unexpected argument "extra"'],
      [['info', 'mnist', '--size', '8'], 'asng-data: --size is an option of cache only'],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.startsWith(message), `${argv.join(' ')}: ${stderr.split('\n')[0]}`).toBe(true);
    }
  });

  it('takes --data-path as --path, used alone: a folder without the files fails naming it', async () => {
    const { code, stderr } = await run(['info', 'fashion-mnist', '--data-path', '/nonexistent/fmnist', '--no-download']);
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/fmnist');
  });

  it('lists the datasets', async () => {
    const { code, stdout } = await run(['list', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { name: string }[]).map((d) => d.name)).toContain('fashion-mnist');
  });
});

describe('asng-data cache', () => {
  it('decodes every image of a folder dataset into the decoded-image cache', async () => {
    const { mkdir, readdir, writeFile } = await import('node:fs/promises');
    const { default: sharp } = await import('sharp');
    const jpeg = await sharp(Buffer.alloc(20 * 24 * 3, 120), { raw: { width: 20, height: 24, channels: 3 } })
      .jpeg()
      .toBuffer();
    for (const [split, count] of [
      ['train', 3],
      ['test', 2],
    ] as const) {
      await mkdir(join(dir, 'faces', split), { recursive: true });
      for (let i = 0; i < count; i++) await writeFile(join(dir, 'faces', split, `${i}.jpg`), jpeg);
    }
    const { code, stdout, stderr } = await run(['cache', 'celeba', '--path', join(dir, 'faces'), '--cache-dir', join(dir, 'store'), '--size', '8', '--json']);
    expect(stderr).toContain('decoding train [####################] 100% 3/3');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      name: 'celeba',
      shape: [8, 8, 3],
      cacheDir: join(dir, 'store', 'decoded'),
      images: { train: 3, test: 2 },
    });
    const files = await readdir(join(dir, 'store', 'decoded'));
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    expect(files.filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses a dataset that is not decoded from image files, and a bad --size', async () => {
    const refused = await run(['cache', 'fashion-mnist-subset', '--cache-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('asng-data: fashion-mnist-subset has no decoded-image cache');
    const bad = await run(['cache', 'celeba', '--size', 'big']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('asng-data: --size needs a positive integer, got "big"');
    expect((await run(['info', 'fashion-mnist-subset', '--size', '8'])).code).toBe(2);
  });
});
