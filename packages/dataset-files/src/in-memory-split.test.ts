import { describe, expect, it } from 'vitest';
import { InMemorySplit } from './in-memory-split.js';

describe('InMemorySplit', () => {
  const images = new Uint8Array(3 * 2 * 2).map((_, i) => i);
  const split = new InMemorySplit([2, 2, 1], images, Int32Array.from([7, 8, 9]));

  it('reads images and labels at the given indices, in order', async () => {
    const batch = await split.read([2, 0]);
    expect(batch.count).toBe(2);
    expect(Array.from(batch.images)).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    expect(Array.from(batch.labels!)).toEqual([9, 7]);
  });

  it('rejects indices outside the split', async () => {
    await expect(split.read([0, 3])).rejects.toThrow(/index 3 at position 1 is outside \[0, 3\)/);
    await expect(split.read([1.5])).rejects.toThrow(RangeError);
  });
});
