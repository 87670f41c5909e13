import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipBytes, isGzip } from './gzip-bytes.js';

describe('gunzipBytes', () => {
  it('decompresses gzipped bytes and passes other bytes through', async () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
    const packed = gzipSync(data);
    expect(isGzip(packed)).toBe(true);
    expect(isGzip(data)).toBe(false);
    expect([...(await gunzipBytes(packed, 'x.gz'))]).toEqual([...data]);
    expect(await gunzipBytes(data, 'x')).toBe(data);
  });

  it('names a truncated gzip stream', async () => {
    const cut = gzipSync(new Uint8Array(5000).fill(3)).subarray(0, 20);
    await expect(gunzipBytes(cut, 'cut.gz')).rejects.toThrow(/^cut\.gz: expected a complete gzip stream, found a corrupt or truncated one/);
  });
});
