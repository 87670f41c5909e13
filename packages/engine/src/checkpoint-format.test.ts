import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import { bytesOf } from './run-storage.js';

describe('encodeCheckpoint', () => {
  it('writes the version-2 layout, its checksums those of node:crypto, and reads it back', () => {
    const contents = { header: { step: 3, name: 'é' }, arrays: [{ name: 'w', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, 7]) }] };
    const bytes = bytesOf(encodeCheckpoint(contents));
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('ASNGCKPT');
    expect(view.getUint32(8, true)).toBe(2);
    const length = view.getUint32(12, true);
    const json = bytes.subarray(48, 48 + length);
    expect(Buffer.from(bytes.subarray(16, 48)).toString('hex')).toBe(createHash('sha256').update(json).digest('hex'));
    const table = JSON.parse(new TextDecoder().decode(json));
    const arrayBytes = bytes.subarray(bytes.length - 24);
    expect(table).toEqual({ header: contents.header, arrays: [{ name: 'w', shape: [2, 3], sha256: createHash('sha256').update(arrayBytes).digest('hex') }] });
    expect(bytes.length).toBe(48 + length + ((4 - ((48 + length) % 4)) % 4) + 24);
    const back = decodeCheckpoint(bytes, 'c.bin');
    expect(back.version).toBe(2);
    expect(back.header).toEqual(contents.header);
    expect([...back.arrays[0]!.data]).toEqual([...contents.arrays[0]!.data]);
  });

  it('names the array whose values do not fill its shape, and the damaged checkpoint', () => {
    expect(() => encodeCheckpoint({ header: {}, arrays: [{ name: 'w', shape: [2], data: new Float32Array(3) }] })).toThrow(
      "writeCheckpoint: array 'w' has 3 values but shape [2]",
    );
    const bytes = bytesOf(encodeCheckpoint({ header: {}, arrays: [{ name: 'w', shape: [1], data: Float32Array.of(1) }] }));
    const last = bytes.length - 1;
    bytes[last] = bytes[last]! ^ 1;
    expect(() => decodeCheckpoint(bytes, 'c.bin')).toThrow("c.bin: array 'w' fails its checksum");
    expect(() => decodeCheckpoint(new Uint8Array(4), 'c.bin')).toThrow("c.bin: not an asng checkpoint (expected the magic 'ASNGCKPT' at the start)");
  });
});
