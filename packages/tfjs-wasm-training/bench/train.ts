/**
 * Training-step benchmark of the issue's net (NHWC 64x32x32x3, conv3x3 3->32,
 * conv3x3 32->32, maxpool 2/2, separable 5x5 32->64, conv3x3 64->64, mean,
 * dense 64->10, softmax cross-entropy, SGD) on wasm with this package's
 * kernels (the native ones where they load), then with the wasm kernels
 * alone, against the stock cpu backend on a smaller batch.
 *
 *   npm run -s bench:train -- [--json] [--steps 10] [--warmup 50] [--threads auto|N] [--cpu-batch 2] [--native auto|false]
 *     [--pytorch auto|true|false] [--python PATH] [--fused false|true|conv2dBiasActivation] [--vector-bits auto|256|512]
 *     [--winograd true|false] [--rounds 1]
 *
 * Each timing (wasm and PyTorch alike) follows `--warmup` untimed steps (50 by default): on
 * wasm the first few dozen steps of a process are slower (37-40 ms in steps 1-10, 31-33 in
 * 20-30, 27-30 from step 40 on, this net on 2 threads here) while V8 compiles tfjs's code and
 * the wasm backend's functions to their optimised tiers; a training run is thousands of steps.
 * The JSON's `warmupSteps` says how many.
 *
 * JSON: `wasmMsPerStep` is the wasm backend as set up by default (native
 * kernels when `nativeKernels` is true; `nativeVectorBits` their vector width,
 * 512 with AVX-512F, else 256), `wasmOnlyMsPerStep` the same with
 * `native: false`; `peakRssMiB` is the process's peak resident memory
 * (`process.resourceUsage().maxRSS`) and `wasmHeapMiB` the wasm heap's size
 * at the end (it only grows, so its peak; the ceiling is 4 GiB).
 *
 * Right after the wasm timing, bench/train_torch.py runs the same step on
 * PyTorch's CPU build with the same batch, steps and threads (`--pytorch auto`:
 * where a Python imports torch; see bench/pytorch.ts): `torchMsPerStep`,
 * `torchThreads`, `torchVersion` and `ratio` (wasmMsPerStep / torchMsPerStep),
 * or `torchMsPerStep: null` and `torchSkipped`. `loadAverage` is the 1-minute
 * load at start and end: the times are only figures on a quiet machine.
 *
 * `--fused false` (the default) runs each convolution, its bias and its relu
 * as separate `Conv2D`, `Add` and `Relu` kernels; `--fused true` as one
 * `FusedConv2D` kernel through `tf.fused.conv2d`, as tf.layers' `Conv2D` does
 * (while a gradient is recorded tfjs-core then runs separate kernels for the
 * relu layers anyway, and its customGrad computes the first layer's unused
 * input gradient); `--fused conv2dBiasActivation` through this package's op:
 * one `FusedConv2D` kernel forward, and backward one `ReluBiasGrad` pass (relu
 * gradient and bias gradient), the filter gradient, and the input gradient
 * where it is needed. The JSON says which (`fused`: false, true or
 * "conv2dBiasActivation").
 *
 * `--winograd false` runs the native 3x3 stride-1 convolutions directly instead
 * of by Winograd F(2x2, 3x3) (`setupWasmTraining`'s `winograd`; the JSON's
 * `winograd` says which).
 *
 * `--rounds N` (N > 1) alternates the wasm timing and the PyTorch run N times
 * in the same process and reports each round (`rounds`: wasm, PyTorch and
 * their ratio) and the medians over the rounds (`wasmMsPerStep`,
 * `torchMsPerStep`, `ratio` = median of the rounds' ratios): PyTorch's step on
 * a shared virtual machine changes by 2-3x from one process to the next, so
 * one round is no figure.
 *
 * `--vector-bits 256` runs the native convolutions with their AVX2 tiles on a
 * CPU that has AVX-512 (the same bits, for comparing speed); `auto` (the
 * default) and 512 take the widest the CPU has.
 *
 * Human-readable results and the per-kernel profile go to stderr; with
 * `--json`, one JSON line goes to stdout last.
 */
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers tfjs-core's gradients and the cpu backend.
import '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setupWasmTraining, wasmHeapBytes } from '../src/index.js';
import { loadNativeKernels } from '../src/native-kernels.js';
import { batchOf, benchmarkNet, type FusedMode, initWeights } from '../test/nets.js';
import { formatKernelProfile, profileKernels } from '../src/kernel-profile.js';
import { DEFAULT_PYTHONS, parsePytorchMode, resolvePytorch, runTorchBench, type TorchResult, torchFields } from './pytorch.js';

const loadAtStart = loadavg()[0]!;

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '50' },
    threads: { type: 'string', default: 'auto' },
    'cpu-batch': { type: 'string', default: '2' },
    native: { type: 'string', default: 'auto' },
    pytorch: { type: 'string', default: 'auto' },
    python: { type: 'string' },
    fused: { type: 'string', default: 'false' },
    'vector-bits': { type: 'string', default: 'auto' },
    winograd: { type: 'string', default: 'true' },
    rounds: { type: 'string', default: '1' },
  },
});
if (!['true', 'false', 'conv2dBiasActivation'].includes(args.fused)) {
  throw new Error(`--fused: expected false, true or conv2dBiasActivation, got ${args.fused}`);
}
const fused: FusedMode = args.fused === 'conv2dBiasActivation' ? 'conv2dBiasActivation' : args.fused === 'true';
const BATCH = 64;
const steps = Number(args.steps);
const cpuBatch = Number(args['cpu-batch']);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Milliseconds of each of `timed` SGD steps after `warmup` untimed ones. */
async function stepTimes(batch: number, warmup: number, timed: number): Promise<number[]> {
  const net = benchmarkNet(32, { fused });
  const weights = initWeights(net);
  const { x, labels } = batchOf(batch, 32, 32);
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const loss = optimizer.minimize(() => net.loss(weights, x, labels), true)!;
    await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < timed; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  optimizer.dispose();
  tf.dispose([x, labels, ...Object.values(weights)]);
  return times;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

if (args.native !== 'auto' && args.native !== 'false') throw new Error(`--native: expected auto or false, got ${args.native}`);
// Fails before the wasm run where --pytorch true finds no torch.
const pytorch = resolvePytorch(parsePytorchMode(args.pytorch), args.python ? [args.python] : DEFAULT_PYTHONS);
const WARMUP = Number(args.warmup);
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup: expected a whole number of steps, got ${args.warmup}`);
const netWeights = Object.values(benchmarkNet(32).shapes).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
if (args.winograd !== 'true' && args.winograd !== 'false') throw new Error(`--winograd: expected true or false, got ${args.winograd}`);
const setup = await setupWasmTraining({
  threads: args.threads === 'auto' ? 'auto' : Number(args.threads),
  native: args.native === 'auto' ? 'auto' : false,
  winograd: args.winograd === 'true',
});
const { threads } = setup;
if (!['auto', '256', '512'].includes(args['vector-bits'])) throw new Error(`--vector-bits: expected auto, 256 or 512, got ${args['vector-bits']}`);
const vectorBits = (await loadNativeKernels()).addon?.vectorBits(args['vector-bits'] === '256' ? 256 : 0) ?? null;
log(`native kernels: ${setup.native.used ? `yes (${setup.native.path})` : `no (${setup.native.reason})`}`);
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${args.rounds}`);
const roundResults: { wasmMsPerStep: number; torchMsPerStep: number | null; ratio: number | null }[] = [];
let torch: TorchResult | { skipped: string } = 'python' in pytorch ? { skipped: 'not run' } : pytorch;
for (let round = 0; round < rounds; round++) {
  const wasmTimes = await stepTimes(BATCH, WARMUP, steps);
  const wasmMs = median(wasmTimes);
  log(
    `${rounds > 1 ? `round ${round + 1}/${rounds}: ` : ''}wasm, ${threads} thread(s), batch ${BATCH}, ${netWeights} weights: ` +
      `${wasmTimes.map((t) => t.toFixed(0)).join(' ')} ms; median ${wasmMs.toFixed(1)} ms/step`,
  );
  if ('python' in pytorch) torch = runTorchBench(pytorch.python, { batch: BATCH, warmup: WARMUP, steps, threads }, netWeights);
  log('skipped' in torch ? `pytorch skipped: ${torch.skipped}` : `wasm / pytorch: ${(wasmMs / torch.torchMsPerStep).toFixed(2)}`);
  const torchMs = 'skipped' in torch ? null : torch.torchMsPerStep;
  roundResults.push({ wasmMsPerStep: wasmMs, torchMsPerStep: torchMs, ratio: torchMs === null ? null : wasmMs / torchMs });
}
const wasmMsPerStep = median(roundResults.map((r) => r.wasmMsPerStep));
if (!('skipped' in torch) && rounds > 1) torch = { ...torch, torchMsPerStep: median(roundResults.map((r) => r.torchMsPerStep!)) };

const profiler = profileKernels('wasm');
const profiledSteps = 3;
const profiledTimes = await stepTimes(BATCH, 0, profiledSteps);
profiler.stop();
const profiledMs = profiledTimes.reduce((a, b) => a + b, 0) / profiledSteps;
log(
  `\nper-kernel profile on wasm (mean of ${profiledSteps} steps, ${profiledMs.toFixed(0)} ms each; ` +
    'self excludes nested kernels, share is of the profiled step):',
);
log(formatKernelProfile(profiler.report(), profiledSteps, profiledMs));

let wasmOnlyMsPerStep = wasmMsPerStep;
if (setup.native.used) {
  setup.unregister();
  await setupWasmTraining({ threads, native: false });
  const times = await stepTimes(BATCH, 2, Math.max(3, Math.ceil(steps / 2)));
  wasmOnlyMsPerStep = median(times);
  log(`\nwasm kernels alone (native: false): ${times.map((t) => t.toFixed(0)).join(' ')} ms; median ${wasmOnlyMsPerStep.toFixed(1)} ms/step`);
}

await tf.setBackend('cpu');
const cpuTimes = await stepTimes(cpuBatch, 1, 1);
const cpuMsPerImage = median(cpuTimes) / cpuBatch;
const wasmMsPerImage = wasmMsPerStep / BATCH;
log(`\ncpu, batch ${cpuBatch}: ${cpuTimes.map((t) => t.toFixed(0)).join(' ')} ms/step, ${cpuMsPerImage.toFixed(0)} ms/image`);
log(`speedup per image, wasm over cpu: ${(cpuMsPerImage / wasmMsPerImage).toFixed(0)}x`);

if (args.json) {
  const round = (v: number, digits = 2) => Number(v.toFixed(digits));
  process.stdout.write(
    `${JSON.stringify({
      batch: BATCH,
      warmupSteps: WARMUP,
      wasmMsPerStep: round(wasmMsPerStep, 1),
      wasmThreads: threads,
      nativeKernels: setup.native.used,
      nativeVectorBits: setup.native.used ? vectorBits : null,
      winograd: setup.native.winograd,
      fused,
      wasmOnlyMsPerStep: round(wasmOnlyMsPerStep, 1),
      cpuMsPerImage: round(cpuMsPerImage, 1),
      wasmMsPerImage: round(wasmMsPerImage, 3),
      speedup: round(cpuMsPerImage / wasmMsPerImage, 0),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      wasmHeapMiB: Math.round((wasmHeapBytes() ?? 0) / 2 ** 20),
      ...torchFields(torch, round(wasmMsPerStep, 1)),
      ...(rounds > 1
        ? {
            ...(roundResults[0]!.ratio !== null ? { ratio: round(median(roundResults.map((r) => r.ratio!))) } : {}),
            rounds: roundResults.map((r) => ({
              wasmMsPerStep: round(r.wasmMsPerStep, 1),
              torchMsPerStep: r.torchMsPerStep,
              ratio: r.ratio === null ? null : round(r.ratio),
            })),
          }
        : {}),
      loadAverage: [round(loadAtStart), round(loadavg()[0]!)],
    })}\n`,
  );
}
