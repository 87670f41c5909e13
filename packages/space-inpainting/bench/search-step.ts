/**
 * Search-iteration benchmark of the inpainting space, by default at the
 * paper's setting: 64x64x3 images, batch 16, a chain of 20 nodes with
 * level-back 5, the categorical encoding with channels 64/128/256 (a supernet
 * of 183M weights), ASNG with lambda = 2, on the wasm backend (with the native
 * kernels where they load). It runs the engine's own search loop
 * (`runSearch`) on seeded synthetic images and times each iteration: the
 * weight step (forward and backward of two sampled architectures, SGD) plus
 * the distribution step (forward of two more on a validation batch). The
 * sampled architectures differ from one iteration to the next, and with them
 * the time: the median is the steadier figure.
 *
 *   npm run -s bench -w @asng/space-inpainting -- [--json] [--iterations 10] [--warmup 1]
 *     [--threads auto|N] [--channels 64,128,256] [--nodes 20] [--level-back 5]
 *     [--size 64] [--batch 16] [--encoding categorical|mixed] [--seed 0] [--profile]
 *
 * A reduced setting to check that it runs: `--channels 8,16,32 --size 32 --iterations 3`.
 * Progress goes to stderr; with `--json` the last line of stdout is one JSON
 * object (`secondsPerIteration.median` and `.mean`, `supernetWeights`,
 * `peakRssMiB`, `wasmHeapMiB`, `threads`, the settings, and the load average
 * at start and end). Past the wasm heap's 4 GiB, the run stops with a
 * `WasmHeapExhaustedError` that names the tensor and what to lower.
 * `--profile` times every kernel of the timed iterations (`profileKernels`)
 * and prints the table to stderr: where an iteration's time goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers tfjs-core's gradients (its ESM files cannot be imported one by one in Node).
import '@tensorflow/tfjs';
import { Rng, type Dataset, type ExampleBatch, type ImageShape } from '@asng/core';
import { runSearch } from '@asng/engine';
import { formatKernelProfile, profileKernels, setupWasmTraining, wasmHeapBytes } from '@asng/tfjs-wasm-training';
import { createInpaintingSpace } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    iterations: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    threads: { type: 'string', default: 'auto' },
    channels: { type: 'string', default: '64,128,256' },
    nodes: { type: 'string', default: '20' },
    'level-back': { type: 'string', default: '5' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '16' },
    encoding: { type: 'string', default: 'categorical' },
    seed: { type: 'string', default: '0' },
    profile: { type: 'boolean', default: false },
  },
});

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!(Number.isSafeInteger(value) && value >= min)) throw new RangeError(`--${name}: expected an integer >= ${min}, got ${text}`);
  return value;
}

const iterations = integer('iterations', args.iterations, 1);
const warmup = integer('warmup', args.warmup, 0);
const nodes = integer('nodes', args.nodes, 1);
const levelBack = integer('level-back', args['level-back'], 1);
const size = integer('size', args.size, 11);
const batchSize = integer('batch', args.batch, 1);
const seed = integer('seed', args.seed, 0);
const channels = args.channels.split(',').map((c) => integer('channels', c.trim(), 1));
if (args.encoding !== 'categorical' && args.encoding !== 'mixed') throw new RangeError(`--encoding: expected categorical or mixed, got ${args.encoding}`);
const encoding = args.encoding;
const threadsOption = args.threads === 'auto' ? 'auto' : integer('threads', args.threads, 1);
const shape: ImageShape = [size, size, 3];
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (v: number, digits = 3) => Number(v.toFixed(digits));
const loadAverageAtStart = loadavg().map((v) => round(v, 2));

/**
 * `count` seeded synthetic colour images: a smooth gradient with a few bright
 * discs and a little noise, so that the restoration task is not pure noise.
 * The timing does not depend on the pixels.
 */
function syntheticDataset(count: number): Dataset {
  const rng = new Rng(seed + 1);
  const [h, w, c] = shape;
  const images = new Uint8Array(count * h * w * c);
  for (let n = 0; n < count; n++) {
    const discs = Array.from({ length: 3 }, () => ({ y: rng.int(h), x: rng.int(w), r: 2 + rng.int(Math.max(1, h >> 3)), ch: rng.int(c) }));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          let v = (255 * (x + y + k * 7)) / (w + h + 14) + rng.int(16);
          for (const d of discs) if (d.ch === k && (y - d.y) ** 2 + (x - d.x) ** 2 < d.r ** 2) v = 240;
          images[((n * h + y) * w + x) * c + k] = Math.min(255, v);
        }
      }
    }
  }
  const pixels = h * w * c;
  return {
    info: { name: `synthetic-${h}x${w}x${c}`, shape, classes: 0, splits: { train: count }, source: 'generated' },
    split: () => ({
      size: count,
      read: async (indices: ArrayLike<number>): Promise<ExampleBatch> => {
        const out = new Uint8Array(indices.length * pixels);
        for (let i = 0; i < indices.length; i++) out.set(images.subarray(indices[i]! * pixels, (indices[i]! + 1) * pixels), i * pixels);
        return { count: indices.length, shape, images: out, labels: null };
      },
    }),
  };
}

const setup = await setupWasmTraining({ threads: threadsOption });
const { threads } = setup;
log(`wasm backend, ${threads} thread(s), native kernels: ${setup.native.used ? 'yes' : `no (${setup.native.reason})`}`);
const space = createInpaintingSpace({ encoding, nodes, levelBack, channels, mask: 'center' });
const task = { inputShape: shape, classes: 0 };
const supernetWeights = space.supernetWeightCount(task);
log(
  `supernet: ${(supernetWeights / 1e6).toFixed(1)}M weights; ${warmup} warm-up and ${iterations} timed iteration(s), batch ${batchSize}, ${shape.join('x')} images`,
);

const total = warmup + iterations;
const times: number[] = [];
const cpuTimes: number[] = [];
let last = performance.now();
let lastCpu = process.cpuUsage();
const started = last;
let profiler: ReturnType<typeof profileKernels> | undefined = args.profile && warmup === 0 ? profileKernels(tf.getBackend()) : undefined;
const dir = mkdtempSync(join(tmpdir(), 'asng-inpainting-bench-'));
try {
  await runSearch({
    space,
    dataset: syntheticDataset(2 * batchSize * total),
    runDir: dir,
    config: { seed, batchSize, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
    onStep: (event) => {
      const now = performance.now();
      times.push((now - last) / 1000);
      last = now;
      const cpu = process.cpuUsage(lastCpu);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
      lastCpu = process.cpuUsage();
      const kind = event.step <= warmup ? 'warm-up' : 'timed';
      log(`iteration ${event.step}/${total} (${kind}): ${times.at(-1)!.toFixed(2)} s, train loss ${event.trainLoss.toFixed(4)}`);
      // The profile covers the timed iterations: it starts when the last warm-up one ends.
      if (args.profile && event.step === warmup) profiler = profileKernels(tf.getBackend());
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

profiler?.stop();
// The warm-up iterations include the supernet's creation and the kernels' first calls.
const timed = times.slice(warmup);
const timedCpu = cpuTimes.slice(warmup);
const mean = (xs: number[]) => xs.reduce((s, t) => s + t, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const wasmHeapMiB = Math.round((wasmHeapBytes() ?? 0) / 2 ** 20);
const result = {
  benchmark: 'inpainting search iteration',
  backend: tf.getBackend(),
  nativeKernels: setup.native.used,
  nativeVectorBits: setup.native.vectorBits ?? null,
  threads,
  encoding,
  channels,
  nodes,
  levelBack,
  inputShape: shape,
  batchSize,
  lambda: 2,
  seed,
  supernetWeights,
  warmupIterations: warmup,
  iterations: timed.length,
  secondsPerIteration: { median: round(median(timed)), mean: round(mean(timed)), min: round(Math.min(...timed)), max: round(Math.max(...timed)) },
  cpuSecondsPerIteration: round(mean(timedCpu)),
  warmupSeconds: times.slice(0, warmup).map((t) => round(t)),
  peakRssMiB,
  wasmHeapMiB,
  loadAverage: { start: loadAverageAtStart, end: loadavg().map((v) => round(v, 2)) },
  totalSeconds: round((performance.now() - started) / 1000, 1),
};
log(
  `${result.secondsPerIteration.median} s per iteration (median; mean ${result.secondsPerIteration.mean} s), ` +
    `peak RSS ${peakRssMiB} MiB, wasm heap ${wasmHeapMiB} MiB, load average ${result.loadAverage.start[0]} -> ${result.loadAverage.end[0]}`,
);
if (profiler !== undefined) {
  log(`per-kernel profile (mean of ${timed.length} iterations, self excludes nested kernels, share of the iteration):`);
  log(formatKernelProfile(profiler.report(), timed.length, result.secondsPerIteration.mean * 1000));
}
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
