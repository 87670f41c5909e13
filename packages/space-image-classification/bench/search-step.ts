/**
 * Search-iteration benchmark at the paper's search setting: the supernet of 8
 * cells and 16 channels, batch 64, 32x32x3 inputs, 10 classes, ASNG with
 * lambda = 2, on the wasm backend. It runs the engine's own search loop
 * (`runSearch`) on random images and times each iteration: the weight step
 * (forward and backward of two sampled architectures, one backward pass per
 * architecture, SGD) plus the distribution step (forward of two more on a
 * validation batch).
 *
 *   npm run -s bench -w @asng/space-image-classification -- [--steps 5] [--threads auto|N] [--cells 8] [--channels 16] [--batch 64] [--recompute] [--profile] [--check]
 *       [--authors-dir PATH [--python PATH]]
 *
 * `--recompute` turns on the space's `recomputeCells` (gradient checkpointing
 * per cell: less memory, one more forward pass per cell); the default, without
 * it, is faster and fits batch 64 in the wasm heap. `--profile` prints the
 * time per kernel (stderr). `--check` first compares one architecture's loss
 * on wasm with the cpu backend's for the same weights and batch. Progress
 * goes to stderr; the last line of stdout is one JSON object, with the
 * memory: `peakRssMiB` (the process's peak resident memory) and `wasmHeapMiB`
 * (the wasm heap at the end, its peak; the ceiling is 4 GiB).
 *
 * `--authors-dir PATH` (a checkout of github.com/shirakawas/ASNG-NAS) then
 * times the authors' own iteration at the same setting, steps and threads
 * (after 2 untimed iterations) with bench/authors-iteration.py, in the first
 * of `--python`, `python3` and `/usr/bin/python3` that imports torch, and
 * adds `authors` (its JSON) and `ratio`, our median seconds per iteration
 * over theirs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers tfjs-core's gradients and the cpu backend.
import '@tensorflow/tfjs';
import { Rng, type Dataset } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files';
import { runSearch } from '@asng/engine';
import { randomArchitecture } from '@asng/testing';
import { formatKernelProfile, profileKernels, setupWasmTraining, wasmHeapBytes } from '@asng/tfjs-wasm-training';
import { createImageClassificationSpace } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: 'auto' },
    cells: { type: 'string', default: '8' },
    channels: { type: 'string', default: '16' },
    batch: { type: 'string', default: '64' },
    check: { type: 'boolean', default: false },
    recompute: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'authors-dir': { type: 'string' },
    python: { type: 'string' },
  },
});
const steps = Number(args.steps);
const batchSize = Number(args.batch);
const cells = Number(args.cells);
const channels = Number(args.channels);
const shape = [32, 32, 3] as const;
const classes = 10;

/** Random 32x32x3 images with random labels: the timing does not depend on the pixels. */
function randomDataset(count: number): Dataset {
  const rng = new Rng(1);
  const pixels = shape[0] * shape[1] * shape[2];
  const images = Uint8Array.from({ length: count * pixels }, () => rng.int(256));
  const labels = Int32Array.from({ length: count }, () => rng.int(classes));
  const split = new InMemorySplit(shape, images, labels);
  return {
    info: { name: 'random-32x32x3', shape, classes, splits: { train: count }, source: 'generated' },
    split: () => split,
  };
}

const { threads, native } = await setupWasmTraining({ threads: args.threads === 'auto' ? 'auto' : Number(args.threads) });
const space = createImageClassificationSpace({ cells, channels, recomputeCells: args.recompute });
const task = { inputShape: shape, classes };

let check: { wasmLoss: number; cpuLoss: number; relativeDifference: number } | undefined;
if (args.check) {
  const supernet = space.createSupernet(task, new Rng(2));
  const architecture = randomArchitecture(space.variables, new Rng(3));
  const inputs = tf.randomUniform([4, ...shape], 0, 1, 'float32', 4) as tf.Tensor4D;
  const targets = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), classes);
  const lossOn = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => supernet.loss(architecture, { inputs, targets }, { training: false }).dataSync()[0]!);
  };
  const wasmLoss = await lossOn('wasm');
  const cpuLoss = await lossOn('cpu');
  await tf.setBackend('wasm');
  check = { wasmLoss, cpuLoss, relativeDifference: Math.abs(wasmLoss - cpuLoss) / Math.abs(cpuLoss) };
  console.error(`loss of one architecture: wasm ${wasmLoss}, cpu ${cpuLoss}`);
  tf.dispose([inputs, targets]);
  supernet.dispose();
}

// Kernel timers from the second step on (the first one includes the warm-up).
let profiler: ReturnType<typeof profileKernels> | undefined;
const times: number[] = [];
const cpuTimes: number[] = [];
let lastCpu = process.cpuUsage();
let last = performance.now();
const started = last;
const total = steps + 1;
const report = (step: number, trainLoss: number) => {
  const now = performance.now();
  times.push((now - last) / 1000);
  last = now;
  // CPU seconds of the whole process (main thread and XNNPACK workers): steadier than wall time on a shared machine.
  const cpu = process.cpuUsage(lastCpu);
  cpuTimes.push((cpu.user + cpu.system) / 1e6);
  lastCpu = process.cpuUsage();
  console.error(`step ${step}/${total}: ${times.at(-1)!.toFixed(2)} s, train loss ${trainLoss.toFixed(3)}`);
  if (args.profile && step === 1) profiler = profileKernels(tf.getBackend());
};

const dir = mkdtempSync(join(tmpdir(), 'asng-bench-'));
try {
  await runSearch({
    space,
    dataset: randomDataset(2 * batchSize * total),
    runDir: dir,
    config: { seed: 0, batchSize, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
    onStep: (event) => report(event.step, event.trainLoss),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// The first step includes the supernet's creation and the kernels' warm-up.
const timed = times.slice(1);
const secondsPerStep = timed.reduce((s, t) => s + t, 0) / timed.length;
const sorted = [...timed].sort((a, b) => a - b);
const medianSecondsPerIteration = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
const cpuSecondsPerStep = cpuTimes.slice(1).reduce((s, t) => s + t, 0) / timed.length;
/** Size of the wasm backend's heap at the end: it only grows, so this is the peak (limit 4 GiB). */
const heap = wasmHeapBytes();
const wasmHeapMiB = heap === undefined ? undefined : Math.round(heap / 2 ** 20);
/** The process's peak resident memory (`maxRSS` is in KiB). */
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
if (profiler !== undefined) {
  profiler.stop();
  console.error(`per-kernel profile (mean of ${timed.length} steps, self excludes nested kernels, share of the step):`);
  console.error(formatKernelProfile(profiler.report(), timed.length, secondsPerStep * 1000));
}
const supernetWeights = (() => {
  const supernet = space.createSupernet(task, new Rng(0));
  const count = supernet.weights.reduce((s, w) => s + w.variable.size, 0);
  supernet.dispose();
  return count;
})();
const authors = args['authors-dir'] === undefined ? undefined : timeAuthors(args['authors-dir']);
if (authors !== undefined)
  console.error(`ours / the authors' (median seconds per iteration): ${(medianSecondsPerIteration / authors.secondsPerIteration.median).toFixed(2)}`);
console.log(
  JSON.stringify({
    benchmark: 'image-classification search step',
    backend: tf.getBackend(),
    recomputeCells: args.recompute,
    nativeKernels: native.used,
    nativeVectorBits: native.vectorBits ?? null,
    threads,
    cells,
    channels,
    batchSize,
    inputShape: shape,
    supernetWeights,
    firstStepSeconds: times[0],
    steps: timed.length,
    secondsPerIteration: secondsPerStep,
    medianSecondsPerIteration,
    iterationsPerSecond: 1 / secondsPerStep,
    minSecondsPerIteration: Math.min(...timed),
    cpuSecondsPerIteration: cpuSecondsPerStep,
    wasmHeapMiB,
    peakRssMiB,
    loadAverage: loadavg()[0],
    totalSeconds: (performance.now() - started) / 1000,
    ...(check ? { check } : {}),
    ...(authors ? { authors, ratio: medianSecondsPerIteration / authors.secondsPerIteration.median } : {}),
  }),
);

/** The authors' iteration at this run's setting (bench/authors-iteration.py), its JSON; throws naming what failed. */
function timeAuthors(authorsDir: string): { secondsPerIteration: { median: number; mean: number }; threads: number; torch: string } {
  const script = fileURLToPath(new URL('./authors-iteration.py', import.meta.url));
  const pythons = args.python !== undefined ? [args.python] : ['python3', '/usr/bin/python3'];
  const python = pythons.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (python === undefined) throw new Error(`--authors-dir: none of ${pythons.join(', ')} imports torch (Debian: apt install python3-torch; or --python PATH)`);
  const settings = ['--steps', steps, '--warmup', 2, '--threads', threads, '--batch', batchSize, '--cells', cells, '--channels', channels].map(String);
  const run = spawnSync(python, [script, '--authors-dir', authorsDir, ...settings], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`${script} failed (${python}, exit status ${run.status ?? run.signal})`);
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${script}: expected a JSON line last on stdout, got ${JSON.stringify(line.slice(0, 200))}`);
  }
}
