import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex } from './sha256.js';

describe('Sha256', () => {
  it('gives the FIPS 180-4 digests of the standard messages', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(sha256Hex(text(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(text('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with node:crypto on every length around the block boundaries, fed whole or in pieces', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 128, 200, 300]) {
      const message = bytes.subarray(0, length);
      const expected = createHash('sha256').update(message).digest('hex');
      expect(sha256Hex(message)).toBe(expected);
      const pieces = new Sha256();
      for (let i = 0; i < length; i += 17) pieces.update(message.subarray(i, i + 17));
      expect(pieces.hex()).toBe(expected);
    }
  });

  it('refuses input after the digest', () => {
    const hash = new Sha256();
    hash.digest();
    expect(() => hash.update(new Uint8Array(1))).toThrow(/already taken/);
  });
});
