import '@tensorflow/tfjs-backend-cpu';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, type Dataset } from '@asng/core';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@asng/dataset-mnist';
import { DataLoader } from './data-loader.js';
import { splitTrainValidation, subsetSplit } from './split.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** One augmented epoch over each half of the training set: every example once, values in [0, 1], labels intact, no leak. */
async function checkEpoch(data: Dataset): Promise<void> {
  const train = data.split('train');
  const all = await train.read(Int32Array.from({ length: train.size }, (_, i) => i));
  const halves = splitTrainValidation(train.size, { rng: new Rng(0) });
  const before = memory().numTensors;
  for (const half of [halves.train, halves.validation]) {
    const loader = new DataLoader(subsetSplit(train, half), data.info.shape, {
      batchSize: 250,
      rng: new Rng(1),
      augment: { crop: { padding: 4 }, flip: true, cutout: { size: 8 } },
    });
    const seen = new Uint8Array(half.length);
    for await (const batch of loader.epoch()) {
      const labels = batch.labels!.dataSync();
      batch.indices.forEach((position, i) => {
        seen[position]!++;
        expect(labels[i]).toBe(all.labels![half[position]!]);
      });
      const pixels = batch.images.dataSync();
      let low = Infinity;
      let high = -Infinity;
      for (const v of pixels) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      batch.dispose();
    }
    expect(seen.every((n) => n === 1)).toBe(true);
  }
  expect(memory().numTensors).toBe(before);
}

describe('DataLoader on real data', () => {
  it('runs an augmented epoch over both halves of the embedded Fashion-MNIST subset', async () => {
    await checkEpoch(await fashionMnistSubset.load());
  });

  it.skipIf(process.env.ASNG_SLOW !== '1')(
    'runs an augmented epoch over both halves of the full Debian Fashion-MNIST (slow)',
    async () => {
      await checkEpoch(await fashionMnist.load({ path: DEBIAN_FASHION_MNIST_DIR, download: false }));
    },
    120_000,
  );
});
