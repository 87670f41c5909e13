import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@asng/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanFill } from './baselines.js';
import { blobs } from './blobs.fixture.js';
import { evaluateRestoration, scoreRestorations } from './evaluation.js';
import { centerMask, randomPixelMask, sampleMasks } from './masks.js';
import { MAX_PSNR, psnr, ssim } from './metrics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('scoreRestorations', () => {
  it('sums per image the PSNR and SSIM of the clipped output and the MSE of the raw one', () => {
    const rng = new Rng(1);
    const shape = [2, 12, 11, 2] as const;
    const size = 12 * 11 * 2;
    const targets = Float32Array.from({ length: 2 * size }, () => rng.uniform());
    const outputs = Float32Array.from(targets, (t) => t + 0.6 * (rng.uniform() - 0.5));
    const sums = scoreRestorations(outputs, targets, shape);
    let [p, s, l] = [0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const o = outputs.subarray(i * size, (i + 1) * size);
      const t = targets.subarray(i * size, (i + 1) * size);
      const clipped = o.map((v) => Math.min(1, Math.max(0, v)));
      p += psnr(clipped, t);
      s += ssim(clipped, t, [12, 11, 2]);
      l += o.reduce((sum, v, k) => sum + (v - t[k]!) ** 2, 0) / size;
    }
    expect(sums.psnr).toBeCloseTo(p, 10);
    expect(sums.ssim).toBeCloseTo(s, 10);
    expect(sums.loss).toBeCloseTo(l, 10);
    expect(() => scoreRestorations(outputs, targets, [3, 12, 11, 2])).toThrow(/expected 3 images of 12x11x2 \(792 values\), got 528 outputs/);
  });
});

describe('evaluateRestoration', () => {
  const data = blobs(0, 3, { testSize: 10 });
  const split = data.split('test');

  it('scores the corrupted input itself by hand, and does not depend on the batch size', async () => {
    const identity = (x: tf.Tensor4D) => tf.clone(x);
    const scores = await evaluateRestoration({ restore: identity, split, mask: randomPixelMask(), rng: new Rng(5), batchSize: 4 });
    // By hand: the same masks, drawn image after image from the same seed.
    const raw = await split.read(Array.from({ length: 10 }, (_, i) => i));
    const keep = sampleMasks(randomPixelMask(), 10, 16, 16, new Rng(5));
    let [p, s] = [0, 0];
    for (let i = 0; i < 10; i++) {
      const clean = Float32Array.from(raw.images.subarray(i * 256, (i + 1) * 256), (v) => v / 255);
      const corrupted = clean.map((v, k) => v * keep[i * 256 + k]!);
      p += psnr(corrupted, clean) / 10;
      s += ssim(corrupted, clean, [16, 16, 1]) / 10;
    }
    expect(scores.images).toBe(10);
    expect(scores.psnr).toBeCloseTo(p, 5);
    expect(scores.ssim).toBeCloseTo(s, 5);
    const whole = await evaluateRestoration({ restore: identity, split, mask: randomPixelMask(), rng: new Rng(5), batchSize: 64 });
    expect(whole.psnr).toBeCloseTo(scores.psnr, 10);
  });

  it('gives a perfect restoration MAX_PSNR and SSIM 1; mean fill beats the zeroed input on the centre hole', async () => {
    const raw = await split.read(Array.from({ length: 10 }, (_, i) => i));
    const clean = tf.tidy(() => tf.div(tf.tensor4d(raw.images, [10, 16, 16, 1], 'float32'), 255) as tf.Tensor4D);
    let at = 0;
    const oracle = (x: tf.Tensor4D) => {
      const out = tf.slice(clean, [at, 0, 0, 0], x.shape) as tf.Tensor4D;
      at += x.shape[0];
      return out;
    };
    const perfect = await evaluateRestoration({ restore: oracle, split, mask: centerMask(), rng: new Rng(1), batchSize: 3 });
    expect(perfect.psnr).toBe(MAX_PSNR);
    expect(perfect.ssim).toBeCloseTo(1, 10);
    expect(perfect.mse).toBe(0);
    const zeroed = await evaluateRestoration({ restore: (x) => tf.clone(x), split, mask: centerMask(), rng: new Rng(1) });
    const filled = await evaluateRestoration({ restore: meanFill, split, mask: centerMask(), rng: new Rng(1) });
    expect(filled.psnr).toBeGreaterThan(zeroed.psnr);
    clean.dispose();
  });

  it('leaves no tensor behind, also when the restorer fails, and checks its output', async () => {
    const before = tf.memory().numTensors;
    await evaluateRestoration({ restore: meanFill, split, mask: randomPixelMask(), rng: new Rng(2), batchSize: 3, maxImages: 7 });
    expect(tf.memory().numTensors).toBe(before);
    const cropped = (x: tf.Tensor4D) => tf.slice(x, [0, 0, 0, 0], [x.shape[0], 8, 8, 1]) as tf.Tensor4D;
    await expect(evaluateRestoration({ restore: cropped, split, mask: centerMask(), rng: new Rng(2) })).rejects.toThrow(
      /restorer returned shape \[10, 8, 8, 1\] for inputs \[10, 16, 16, 1\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    await expect(evaluateRestoration({ restore: meanFill, split, mask: centerMask(), rng: new Rng(2), maxImages: 0 })).rejects.toThrow(/nothing to evaluate/);
  });
});
