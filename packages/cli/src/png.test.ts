import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng, pngDataUri } from './png.js';

describe('encodePng', () => {
  for (const channels of [1, 3, 4] as const) {
    it(`writes a PNG that a decoder reads back exactly (${channels} channel(s))`, async () => {
      const [w, h] = [5, 3];
      const pixels = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) % 256);
      const image = sharp(encodePng(pixels, w, h, channels));
      const { data, info } = await (channels === 1 ? image.toColourspace('b-w') : image).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([w, h, channels]);
      expect(Array.from(data)).toEqual(Array.from(pixels));
    });
  }

  it('makes a data URI and names a size mismatch', () => {
    expect(pngDataUri(new Uint8Array(4), 2, 2, 1)).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(() => encodePng(new Uint8Array(5), 2, 2, 1)).toThrow(/expected 2x2x1 = 4 bytes, got 5/);
    expect(() => encodePng(new Uint8Array(8), 2, 2, 2 as 1)).toThrow(/channels must be 1, 3 or 4, got 2/);
  });
});
