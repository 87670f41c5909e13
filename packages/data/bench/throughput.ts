/**
 * Loader throughput: images per second for reading + augmentation + batching
 * into tensors, for Fashion-MNIST (the full Debian set when installed, else
 * the embedded subset) and for a folder of CelebA-sized JPEGs decoded to
 * 64x64, against the images per second one training step of a small CNN
 * consumes on the same backend. The pipeline must be at least 10 times faster.
 * The JPEGs are decoded on every read (no cache), then with the on-disk cache
 * of decoded images: its first epoch (decode and write) and a later epoch
 * (reads only). The last line is JSON with every figure.
 *
 *   npm run bench -w @asng/data [-- --images 2000 --batches 40]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { Rng, type Dataset, type ImageShape } from '@asng/core';
import { celeba } from '@asng/dataset-celeba';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { fashionMnist } from '@asng/dataset-mnist';
import { DataLoader } from '../src/index.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '1000' }, batches: { type: 'string', default: '60' } } });
const jpegCount = Number(values.images);
const batchCount = Number(values.batches);
const batchSize = 64;

await tf.setBackend('cpu');

/** Images per second (wall clock), and CPU milliseconds per image over every thread of the process. */
interface Rate {
  readonly perSecond: number;
  readonly cpuMs: number;
}

/** Times `run`, which returns how many images it handled. */
async function measure(run: () => Promise<number>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const images = await run();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: images / seconds, cpuMs: (used.user + used.system) / 1000 / images };
}

async function pipelineRate(dataset: Dataset, augment: boolean, batches: number): Promise<Rate> {
  const loader = new DataLoader(dataset.split('train'), dataset.info.shape, {
    batchSize,
    rng: new Rng(1),
    labels: dataset.info.classes > 0 ? 'one-hot' : 'none',
    classes: dataset.info.classes || 1,
    ...(augment ? { augment: { crop: { padding: 4 }, flip: true, cutout: { size: 8 } } } : {}),
  });
  (await loader.next()).dispose();
  return measure(async () => {
    let images = 0;
    for (let i = 0; i < batches; i++) {
      const batch = await loader.next();
      images += batch.count;
      batch.dispose();
    }
    return images;
  });
}

/**
 * Images per second one training step of a small CNN (conv3x3(16)-relu-pool-dense)
 * consumes on the current backend, estimated as three forward passes (backward
 * costs about twice the forward). Gradients are not registered in tfjs-core's
 * CommonJS bundle that Node loads here, hence the estimate.
 */
async function trainingRate(shape: ImageShape, classes: number): Promise<Rate> {
  const [h, w, c] = shape;
  const kernel = tf.randomNormal([3, 3, c, 16], 0, 0.1) as tf.Tensor4D;
  const dense = tf.randomNormal([Math.ceil(h / 2) * Math.ceil(w / 2) * 16, Math.max(classes, 1)], 0, 0.01) as tf.Tensor2D;
  const x = tf.randomUniform([batchSize, h, w, c]) as tf.Tensor4D;
  const forward = () =>
    tf.tidy(() => {
      const hidden = tf.maxPool(tf.relu(tf.conv2d(x, kernel, 1, 'same')), 2, 2, 'same');
      return tf.sum(tf.logSoftmax(tf.matMul(tf.reshape(hidden, [batchSize, -1]), dense)));
    });
  forward().dispose();
  // At least 5 passes and 2 seconds, so that one slow pass on a shared machine weighs less.
  const forwardRate = await measure(async () => {
    const start = performance.now();
    let passes = 0;
    while (passes < 5 || performance.now() - start < 2000) {
      const out = forward();
      await out.data();
      out.dispose();
      passes++;
    }
    return passes * batchSize;
  });
  tf.dispose([kernel, dense, x]);
  return { perSecond: forwardRate.perSecond / 3, cpuMs: forwardRate.cpuMs * 3 };
}

const results: {
  name: string;
  pipeline: number;
  training: number;
  ratio: number;
  pipelineCpuMs: number;
  trainingCpuMs: number;
  cpuRatio: number;
  ok: boolean;
}[] = [];
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Prints one row. `ratio` compares images per second, both measured on the
 * machine as it is; `cpuRatio` compares CPU time per image (training over
 * pipeline), which other processes on a shared machine disturb much less.
 */
function report(name: string, pipelineRate: Rate, trainingRate: Rate): boolean {
  const pipeline = pipelineRate.perSecond;
  const training = trainingRate.perSecond;
  const ratio = pipeline / training;
  const cpuRatio = trainingRate.cpuMs / pipelineRate.cpuMs;
  results.push({
    name,
    pipeline: Math.round(pipeline),
    training: round(training, 1),
    ratio: round(ratio, 1),
    pipelineCpuMs: round(pipelineRate.cpuMs, 3),
    trainingCpuMs: round(trainingRate.cpuMs, 2),
    cpuRatio: round(cpuRatio, 1),
    ok: ratio >= 10,
  });
  console.log(
    `${name.padEnd(44)} pipeline ${pipeline.toFixed(0).padStart(7)} img/s   training step ${training.toFixed(0).padStart(6)} img/s   ratio ${ratio.toFixed(1).padStart(6)}x ${ratio >= 10 ? 'ok' : 'TOO SLOW'}   CPU ${pipelineRate.cpuMs.toFixed(2)} vs ${trainingRate.cpuMs.toFixed(1)} ms/img (${cpuRatio.toFixed(1)}x)`,
  );
  return ratio >= 10;
}

let ok = true;
const fashion = await fashionMnist.load({ download: false }).catch(() => fashionMnistSubset.load());
const fashionTraining = await trainingRate(fashion.info.shape, 10);
ok = report(`${fashion.info.name} (${fashion.info.source}), plain`, await pipelineRate(fashion, false, batchCount), fashionTraining) && ok;
ok = report(`${fashion.info.name}, crop + flip + cutout`, await pipelineRate(fashion, true, batchCount), fashionTraining) && ok;

/** A CelebA-sized JPEG with a smooth gradient and fine noise, about as many bytes as a real aligned face. */
async function face(seed: number): Promise<Buffer> {
  const width = 178;
  const height = 218;
  const rng = new Rng(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = Math.min(255, 60 + (x + y) * 0.4 + c * 30 + rng.uniform() * 40);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(1)
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Images per second over the first epoch (decoding, writing the disk cache) and over the next (reading it). */
async function diskCacheRates(dataset: Dataset): Promise<{ first: Rate; later: Rate }> {
  const loader = new DataLoader(dataset.split('train'), dataset.info.shape, {
    batchSize,
    rng: new Rng(1),
    labels: 'none',
    augment: { crop: { padding: 4 }, flip: true, cutout: { size: 8 } },
  });
  const epoch = () =>
    measure(async () => {
      let images = 0;
      for await (const batch of loader.epoch()) {
        images += batch.count;
        batch.dispose();
      }
      return images;
    });
  const first = await epoch();
  return { first, later: await epoch() };
}

const dir = await mkdtemp(join(tmpdir(), 'asng-bench-'));
try {
  await mkdir(join(dir, 'train'));
  await mkdir(join(dir, 'test'));
  const faces = await Promise.all([1, 2, 3, 4].map(face));
  for (let i = 0; i < jpegCount; i++)
    await writeFile(join(dir, i < jpegCount - 8 ? 'train' : 'test', `${String(i).padStart(6, '0')}.jpg`), faces[i % faces.length]!);
  const decoded = await celeba.load({ path: dir, size: 64, cacheSize: 0 });
  const faceBatches = Math.min(batchCount, Math.floor((jpegCount - 8) / batchSize) - 1);
  const faceTraining = await trainingRate(decoded.info.shape, 0);
  ok = report(`JPEG folder 178x218 -> 64x64 (${faceBatches} batches, no cache)`, await pipelineRate(decoded, true, faceBatches), faceTraining) && ok;
  const cached = await celeba.load({ path: dir, size: 64, cacheSize: 0, diskCache: join(dir, 'decoded') });
  const rates = await diskCacheRates(cached);
  await cached.close?.();
  report('JPEG folder, disk cache, first epoch', rates.first, faceTraining);
  ok = report('JPEG folder, disk cache, later epochs', rates.later, faceTraining) && ok;
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ jpegImages: jpegCount, batchSize, results }));
process.exitCode = ok ? 0 : 1;
