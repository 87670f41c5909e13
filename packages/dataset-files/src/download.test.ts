import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@asng/core';
import { downloadFile, sha256File } from './download.js';
import { ChecksumMismatchError, DatasetNotFoundError } from './errors.js';
import { locateDataset } from './locate.js';

const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251));
const sum = createHash('sha256').update(body).digest('hex');

let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/file.bin') {
      response.writeHead(200, { 'content-length': body.length });
      response.write(body.subarray(0, 50_000));
      setTimeout(() => response.end(body.subarray(50_000)), 5);
    } else if (request.url === '/truncated.bin') {
      response.writeHead(200, { 'content-length': body.length });
      response.write(body.subarray(0, 30_000));
      setTimeout(() => response.destroy(), 5);
    } else {
      response.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'asng-download-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('downloadFile', () => {
  it('writes a verified file and reports byte progress up to the total', async () => {
    const events: ProgressEvent[] = [];
    const destination = join(dir, 'sub', 'file.bin');
    await downloadFile({ url: `${base}file.bin`, destination, sha256: sum, onProgress: (e) => events.push(e) });
    expect(Buffer.compare(await readFile(destination), body)).toBe(0);
    expect(await sha256File(destination)).toBe(sum);
    expect(events.at(-1)).toEqual({ task: 'download file.bin', done: body.length, total: body.length });
    expect(events.length).toBeGreaterThan(1);
    for (let i = 1; i < events.length; i++) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    expect(await readdir(join(dir, 'sub'))).toEqual(['file.bin']);
  });

  it('leaves nothing behind when the checksum does not match', async () => {
    const destination = join(dir, 'file.bin');
    const wrong = '0'.repeat(64);
    const error = await downloadFile({ url: `${base}file.bin`, destination, sha256: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).actual).toBe(sum);
    expect((error as Error).message).toContain(wrong);
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves nothing behind on an HTTP error or a connection cut mid-body', async () => {
    await expect(downloadFile({ url: `${base}missing.bin`, destination: join(dir, 'a.bin'), sha256: sum })).rejects.toThrow(/HTTP 404/);
    await expect(downloadFile({ url: `${base}truncated.bin`, destination: join(dir, 'b.bin'), sha256: sum })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the destination when it cannot be written, and leaves no temporary file', async () => {
    const taken = join(dir, 'taken.bin');
    await mkdir(taken);
    await writeFile(join(taken, 'inside'), 'x');
    const error = (await downloadFile({ url: `${base}file.bin`, destination: taken, sha256: sum }).catch((e: unknown) => e)) as Error;
    expect(error.message.startsWith(`${taken}: could not write the file (`)).toBe(true);
    expect(await readdir(dir)).toEqual(['taken.bin']);
    await writeFile(join(dir, 'a-file'), 'x');
    const under = join(dir, 'a-file', 'file.bin');
    await expect(downloadFile({ url: `${base}file.bin`, destination: under, sha256: sum })).rejects.toThrow(`${under}: could not create its directory`);
  });

  it('removes the temporary file a killed download of the same file left', async () => {
    const destination = join(dir, 'file.bin');
    await writeFile(`${destination}.asng-tmp-99999999-0`, 'half');
    await writeFile(join(dir, 'other.bin.asng-tmp-99999999-0'), 'half');
    await downloadFile({ url: `${base}file.bin`, destination, sha256: sum });
    expect((await readdir(dir)).sort()).toEqual(['file.bin', 'other.bin.asng-tmp-99999999-0']);
  });

  it('leaves nothing behind when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(downloadFile({ url: `${base}file.bin`, destination: join(dir, 'c.bin'), sha256: sum, signal: controller.signal })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('locateDataset', () => {
  const probe = async (place: string) => ((await readdir(place)).includes('file.bin') ? join(place, 'file.bin') : null);

  it('without a path searches the cache, then the system paths, and says where it looked', async () => {
    const system = join(dir, 'system');
    const error = await locateDataset({
      dataset: 'toy',
      cacheDir: join(dir, 'cache'),
      systemPaths: [system],
      download: false,
      probe,
      howToGet: 'ask the toy maker.',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain(join(dir, 'cache', 'toy'));
    expect(message).toContain(system);
    expect(message).toContain('ask the toy maker.');
    expect(message.indexOf(join(dir, 'cache', 'toy'))).toBeLessThan(message.indexOf(system));
  });

  it('with a path searches that path alone, even when downloads are allowed', async () => {
    const system = join(dir, 'system');
    const error = await locateDataset({
      dataset: 'toy',
      path: join(dir, 'user'),
      cacheDir: join(dir, 'cache'),
      systemPaths: [system],
      mirror: base,
      remoteFiles: [{ name: 'file.bin', sha256: sum }],
      probe,
      howToGet: 'ask the toy maker.',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain(`${join(dir, 'user')} (the path given: used alone`);
    expect(message).not.toContain(join(dir, 'cache', 'toy'));
    expect(message).not.toContain(system);
  });

  it('downloads into the cache, then finds it there without downloading again', async () => {
    const options = { dataset: 'toy', cacheDir: join(dir, 'cache'), mirror: base, remoteFiles: [{ name: 'file.bin', sha256: sum }], probe, howToGet: '-' };
    const first = await locateDataset(options);
    expect(first).toEqual({ found: join(dir, 'cache', 'toy', 'file.bin'), source: join(dir, 'cache', 'toy'), downloaded: true });
    const second = await locateDataset({ ...options, mirror: `${base}nowhere/` });
    expect(second.downloaded).toBe(false);
  });

  it('turns a failed download into a not-found error naming the mirror, with an empty cache', async () => {
    const error = await locateDataset({
      dataset: 'toy',
      cacheDir: join(dir, 'cache'),
      mirror: base,
      remoteFiles: [{ name: 'file.bin', sha256: 'f'.repeat(64) }],
      probe,
      howToGet: '-',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toContain(`${base} (download)`);
    expect((error as Error).message).toMatch(/expected SHA-256 f{64}/);
    expect(await readdir(join(dir, 'cache', 'toy'))).toEqual([]);
  });
});
