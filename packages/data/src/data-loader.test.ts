import '@tensorflow/tfjs-backend-cpu';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, type DatasetSplit, type ExampleBatch, type ImageShape } from '@asng/core';
import { DataLoader, type DataLoaderState } from './data-loader.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** A split whose image `i` has every pixel equal to `i % 256`, and label `i % classes`. */
function toySplit(size: number, shape: ImageShape = [4, 4, 1], classes = 10, log: number[][] = []): DatasetSplit {
  const pixels = shape[0] * shape[1] * shape[2];
  return {
    size,
    async read(indices: ArrayLike<number>): Promise<ExampleBatch> {
      log.push(Array.from(indices));
      const images = new Uint8Array(indices.length * pixels);
      const labels = new Int32Array(indices.length);
      for (let i = 0; i < indices.length; i++) {
        images.fill(indices[i]! % 256, i * pixels, (i + 1) * pixels);
        labels[i] = indices[i]! % classes;
      }
      return { count: indices.length, shape, images, labels };
    },
  };
}

async function take(loader: DataLoader, n: number) {
  const out: { indices: number[]; images: number[]; labels: number[]; epoch: number }[] = [];
  for (let i = 0; i < n; i++) {
    const batch = await loader.next();
    out.push({
      indices: Array.from(batch.indices),
      images: Array.from(batch.images.dataSync()),
      labels: Array.from(batch.labels!.dataSync()),
      epoch: batch.epoch,
    });
    batch.dispose();
  }
  return out;
}

describe('DataLoader', () => {
  it('delivers every example once per epoch, reshuffled each epoch, the last batch smaller', async () => {
    const loader = new DataLoader(toySplit(10), [4, 4, 1], { batchSize: 4, rng: new Rng(3) });
    expect(loader.batchesPerEpoch).toBe(3);
    const epochs: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const seen: number[] = [];
      const sizes: number[] = [];
      for await (const batch of loader.epoch()) {
        expect(batch.epoch).toBe(e);
        seen.push(...batch.indices);
        sizes.push(batch.count);
        batch.dispose();
      }
      expect(sizes).toEqual([4, 4, 2]);
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      epochs.push(seen);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
  });

  it('is reproducible from its seed, and differs with another seed', async () => {
    const options = { batchSize: 3, augment: { crop: { padding: 1 }, flip: true, cutout: { size: 2 } } };
    const a = await take(new DataLoader(toySplit(7), [4, 4, 1], { ...options, rng: new Rng(11) }), 6);
    const b = await take(new DataLoader(toySplit(7), [4, 4, 1], { ...options, rng: new Rng(11) }), 6);
    const c = await take(new DataLoader(toySplit(7), [4, 4, 1], { ...options, rng: new Rng(12) }), 6);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('drops the remainder when asked', async () => {
    const loader = new DataLoader(toySplit(10), [4, 4, 1], { batchSize: 4, rng: new Rng(0), dropRemainder: true });
    const batches = await take(loader, 4);
    expect(batches.map((b) => [b.epoch, b.indices.length])).toEqual([
      [0, 4],
      [0, 4],
      [1, 4],
      [1, 4],
    ]);
  });

  for (const resumeAfter of [0, 2, 3, 4, 7]) {
    it(`resumes exactly from a JSON state taken after ${resumeAfter} batches`, async () => {
      const options = { batchSize: 4, augment: { crop: { padding: 2 }, flip: true, cutout: { size: 2 } }, prefetch: 3 };
      const reference = await take(new DataLoader(toySplit(10), [4, 4, 1], { ...options, rng: new Rng(5) }), resumeAfter + 5);
      const first = new DataLoader(toySplit(10), [4, 4, 1], { ...options, rng: new Rng(5) });
      await take(first, resumeAfter);
      const state = JSON.parse(JSON.stringify(first.getState())) as DataLoaderState;
      const resumed = new DataLoader(toySplit(10), [4, 4, 1], { ...options, rng: new Rng(999) });
      resumed.setState(state);
      expect(await take(resumed, 5)).toEqual(reference.slice(resumeAfter));
    });
  }

  it('refuses a state taken on another split size or batch size', () => {
    const state = new DataLoader(toySplit(10), [4, 4, 1], { batchSize: 4, rng: new Rng(0) }).getState();
    expect(() => new DataLoader(toySplit(11), [4, 4, 1], { batchSize: 4, rng: new Rng(0) }).setState(state)).toThrow(
      /state is for 10 examples in batches of 4/,
    );
    expect(() => new DataLoader(toySplit(10), [4, 4, 1], { batchSize: 5, rng: new Rng(0) }).setState(state)).toThrow(RangeError);
  });

  it('scales to [0, 1] or normalises per channel, NHWC', async () => {
    const plain = await new DataLoader(toySplit(3, [2, 2, 3]), [2, 2, 3], { batchSize: 3, rng: new Rng(0), shuffle: false }).next();
    expect(plain.images.shape).toEqual([3, 2, 2, 3]);
    expect(plain.images.dtype).toBe('float32');
    expect(Array.from(plain.images.dataSync()).slice(12, 15)).toEqual([1 / 255, 1 / 255, 1 / 255].map(Math.fround));
    plain.dispose();
    const normalize = { mean: [0, 0.5, 1], std: [1, 0.5, 2] };
    const normed = await new DataLoader(toySplit(3, [2, 2, 3]), [2, 2, 3], { batchSize: 3, rng: new Rng(0), shuffle: false, normalize }).next();
    const values = Array.from(normed.images.dataSync()).slice(24, 27);
    const v = 2 / 255;
    expect(values[0]).toBeCloseTo(v, 6);
    expect(values[1]).toBeCloseTo((v - 0.5) / 0.5, 6);
    expect(values[2]).toBeCloseTo((v - 1) / 2, 6);
    normed.dispose();
  });

  it('encodes labels as int32 or one-hot', async () => {
    const ints = await new DataLoader(toySplit(4), [4, 4, 1], { batchSize: 4, rng: new Rng(0), shuffle: false }).next();
    expect(ints.labels!.dtype).toBe('int32');
    expect(Array.from(ints.labels!.dataSync())).toEqual([0, 1, 2, 3]);
    ints.dispose();
    const hot = await new DataLoader(toySplit(4, [4, 4, 1], 3), [4, 4, 1], {
      batchSize: 4,
      rng: new Rng(0),
      shuffle: false,
      labels: 'one-hot',
      classes: 3,
    }).next();
    expect(hot.labels!.shape).toEqual([4, 3]);
    expect(Array.from(hot.labels!.dataSync())).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    hot.dispose();
    expect(() => new DataLoader(toySplit(4), [4, 4, 1], { batchSize: 4, rng: new Rng(0), labels: 'one-hot' })).toThrow(/classes/);
  });

  it('leaks no tensor, prefetched or delivered', async () => {
    const before = memory().numTensors;
    const loader = new DataLoader(toySplit(50), [4, 4, 1], { batchSize: 8, rng: new Rng(1), prefetch: 4, labels: 'one-hot', classes: 10 });
    for (let i = 0; i < 9; i++) (await loader.next()).dispose();
    loader.close();
    expect(memory().numTensors).toBe(before);
  });

  it('reads ahead by the prefetch depth', async () => {
    const log: number[][] = [];
    const loader = new DataLoader(toySplit(40, [4, 4, 1], 10, log), [4, 4, 1], { batchSize: 4, rng: new Rng(1), prefetch: 3 });
    (await loader.next()).dispose();
    expect(log.length).toBe(4);
    (await loader.next()).dispose();
    expect(log.length).toBe(5);
  });

  it('reports a failed read when that batch is consumed', async () => {
    const split: DatasetSplit = { size: 8, read: () => Promise.reject(new Error('disk on fire')) };
    const loader = new DataLoader(split, [4, 4, 1], { batchSize: 4, rng: new Rng(1) });
    await expect(loader.next()).rejects.toThrow('disk on fire');
  });

  it('checks its options', () => {
    const split = toySplit(4);
    expect(() => new DataLoader(split, [4, 4, 1], { batchSize: 0, rng: new Rng(0) })).toThrow(/batchSize/);
    expect(() => new DataLoader(split, [4, 4, 1], { batchSize: 2, rng: new Rng(0), normalize: { mean: [0, 0, 0], std: [1, 1, 1] } })).toThrow(
      /one per channel/,
    );
    expect(() => new DataLoader(split, [4, 4, 1], { batchSize: 2, rng: new Rng(0), augment: { crop: { padding: -1 } } })).toThrow(/padding/);
  });
});
