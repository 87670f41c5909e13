/**
 * GPU benchmark: the WebGPU backend (`@tensorflow/tfjs-backend-webgpu`) in
 * Node through the `webgpu` package (Google's Dawn), on the adapter Dawn
 * picks (high-performance): the NVIDIA GPU of a device machine (Vulkan), or
 * Mesa's software Vulkan (lavapipe, "llvmpipe") where there is no GPU. It
 * times, with warm-up iterations excluded and fixed seeds,
 *
 * - (a) `bench:train`'s training step: the issue's net (NHWC Bx32x32x3,
 *   conv3x3 3->32, conv3x3 32->32, maxpool 2/2, separable 5x5 32->64,
 *   conv3x3 64->64, mean, dense 64->10, softmax cross-entropy, SGD), batch 64;
 * - (b) the classification search iteration of
 *   `npm run -s bench -w @asng/space-image-classification`: supernet of 8
 *   cells and 16 channels, batch 64, 32x32x3 random images, ASNG with
 *   lambda = 2 (weight step on two sampled architectures, distribution step
 *   on two more), run by the engine's own `runSearch` (`mode: 'engine'`),
 *   each iteration timed from one `onStep` to the next (its log entry
 *   included),
 *
 * and checks that the number of live tensors stays flat across the timed
 * iterations (no leak; for the search, tensors other than variables: the
 * momentum buffers, variables created as paths are first used, are counted
 * apart).
 *
 *   npm run -s bench:gpu -- [--json] [--quick] [--iterations N] [--warmup N] [--check]
 *                           [--only train|search] [--require-hardware]
 *                           [--train-batch 64] [--cells 8] [--channels 16] [--batch 64]
 *
 * `--quick`: a smoke test of about 30 s on a software adapter (train batch
 * 8; supernet of 2 cells, 8 channels, batch 8; 3 timed iterations after 1
 * warm-up). `--iterations` (timed; default 10) and `--warmup` (untimed;
 * default 2) apply to both parts. `--check` compares (a)'s loss and
 * gradients with the cpu backend and (b)'s first two iterations (training
 * loss, validation losses, gradient norm) with `runSearch` on wasm. `--require-hardware` fails (exit 3) on a
 * software adapter: for a device machine, where it means the GPU's Vulkan
 * driver was not found.
 *
 * Progress goes to stderr; the last line of stdout is one JSON object (with
 * or without `--json`, which silences the summary line). `unsupported` names
 * what a part found missing on this backend (a kernel, a gradient),
 * `backendLimits` what the backend cannot do that the engine works around
 * (synchronous reads, AddN of more than 7 tensors), `gpuErrors` Dawn's
 * validation errors (which do not throw: a run with any has wrong numbers). Exit codes:
 * 0 ok, 1 a part failed or a GPU error or a failed check, 2 no WebGPU
 * adapter (with what to install), 3 software adapter with
 * `--require-hardware`.
 *
 * This file holds the command line, the run and the JSON output; the parts
 * live beside it: bench-gpu-adapter.ts (adapter report, GPU errors, backend
 * probes), bench-gpu-train.ts (a), bench-gpu-search.ts (b), bench-gpu-check.ts
 * (`--check`) and bench-gpu-common.ts (shared helpers).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers tfjs-core's gradients and the cpu backend.
import '@tensorflow/tfjs';
import { selectBackend } from '@asng/backend-select';
import { adapterReport, addNProbe, backendDevice, INSTALL_HINT, isSoftwareAdapter, syncReadProbe, watchGpuErrors } from './bench-gpu-adapter.ts';
import { check } from './bench-gpu-check.ts';
import { type BenchSizes, log } from './bench-gpu-common.ts';
import { type SearchResultPart, type SearchTraceEntry, searchBenchmark } from './bench-gpu-search.ts';
import { trainBenchmark } from './bench-gpu-train.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    'train-batch': { type: 'string' },
    cells: { type: 'string' },
    channels: { type: 'string' },
    batch: { type: 'string' },
    only: { type: 'string' },
    check: { type: 'boolean', default: false },
    'require-hardware': { type: 'boolean', default: false },
  },
});
if (args.only !== undefined && args.only !== 'train' && args.only !== 'search') throw new Error(`--only: expected train or search, got ${args.only}`);

function count(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got ${value}`);
  return n;
}

const quick = args.quick;
const iterations = count('iterations', args.iterations, quick ? 3 : 10, 1);
const warmup = count('warmup', args.warmup, quick ? 1 : 2, 0);
const trainBatch = count('train-batch', args['train-batch'], quick ? 8 : 64, 1);
const cells = count('cells', args.cells, quick ? 2 : 8, 1);
const channels = count('channels', args.channels, quick ? 8 : 16, 1);
const searchBatch = count('batch', args.batch, quick ? 8 : 64, 1);
const sizes: BenchSizes = { iterations, warmup, trainBatch, cells, channels, searchBatch };

// ---- backend and adapter ----------------------------------------------------

let selection: Awaited<ReturnType<typeof selectBackend>>;
try {
  selection = await selectBackend({ backend: 'webgpu' });
} catch (error) {
  log(`bench:gpu: no WebGPU backend: ${(error as Error).message}`);
  log(INSTALL_HINT);
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message, hint: INSTALL_HINT, loadAverage: loadavg() })}\n`);
  process.exit(2);
}

const adapter = await adapterReport();
/** A CPU implementation of Vulkan or WebGPU (Mesa llvmpipe/lavapipe, SwiftShader, WARP) rather than a GPU. */
const software = isSoftwareAdapter(adapter);
log(`backend: ${selection.tfjsName} (${selection.reason})`);
if (software && args['require-hardware']) {
  const message = `the WebGPU adapter is a software one (${adapter.description || adapter.device}), not a GPU; --require-hardware`;
  log(`bench:gpu: ${message}`);
  log(INSTALL_HINT);
  process.stdout.write(`${JSON.stringify({ error: message, adapter, software, hint: INSTALL_HINT, loadAverage: loadavg() })}\n`);
  process.exit(3);
}

const device = backendDevice();
/** Dawn's validation errors (which do not throw: a run with any has wrong numbers), one line each, counted. */
const gpuErrors = watchGpuErrors(device);
log(`adapter: ${JSON.stringify(adapter)}${software ? ' (software)' : ''}`);

// ---- run --------------------------------------------------------------------

const syncReads = syncReadProbe();
if (!syncReads.ok) log(`synchronous reads (dataSync) fail on this backend: ${syncReads.error}; the engine reads asynchronously`);
const addNError = await addNProbe(device, 8);
if (addNError) log(`AddN of 8 tensors fails on this backend: ${addNError}; the engine adds at most 7 at a time on webgpu`);
/** What each iteration of the search on webgpu gave, for `--check`. */
const searchTrace: SearchTraceEntry[] = [];
const started = performance.now();
const train = args.only === 'search' ? { batch: trainBatch, error: 'skipped (--only search)' } : await trainBenchmark(sizes);
const search: SearchResultPart =
  args.only === 'train' ? { mode: 'engine', cells, channels, batch: searchBatch, error: 'skipped (--only train)' } : await searchBenchmark(sizes, searchTrace);
const checked = args.check ? await check(sizes, searchTrace, Math.max(1, warmup) + iterations) : undefined;
const flat = (xs: number[] | undefined) => xs !== undefined && xs.length > 0 && xs.every((n) => n === xs[0]);
const unsupported = [...new Set([...(train.unsupported ?? []), ...(search.unsupported ?? [])])];
/** What the backend cannot do and the engine works around. */
const backendLimits = [
  ...(syncReads.ok ? [] : [`synchronous reads (Tensor.dataSync; the engine reads with await data()): ${syncReads.error}`]),
  ...(addNError ? [`AddN of more than 7 tensors (the engine's gradient clipping adds at most 7 at a time on webgpu): ${addNError}`] : []),
];
const result = {
  benchmark: 'bench:gpu (WebGPU via Dawn)',
  backend: tf.getBackend(),
  adapter,
  software,
  train: {
    batch: train.batch,
    ...(train.secondsPerStep ? { secondsPerStep: train.secondsPerStep } : {}),
    ...(train.numTensors ? { numTensors: train.numTensors } : {}),
    ...(train.error ? { error: train.error } : {}),
  },
  searchIteration: {
    mode: search.mode,
    cells: search.cells,
    channels: search.channels,
    batch: search.batch,
    ...(search.supernetWeights !== undefined ? { supernetWeights: search.supernetWeights } : {}),
    ...(search.secondsPerStep ? { secondsPerIteration: search.secondsPerStep } : {}),
    ...(search.numTensors ? { numTensors: search.numTensors } : {}),
    ...(search.variables ? { variables: search.variables } : {}),
    ...(search.error ? { error: search.error } : {}),
  },
  iterations,
  warmup,
  quick,
  syncReads: syncReads.ok,
  addNOfMoreThan7: addNError === undefined,
  backendLimits,
  gpuErrors: [...gpuErrors].map(([message, times]) => ({ message, times })),
  numTensorsFlat: flat(train.numTensors) && flat(search.numTensors),
  unsupported,
  ...(checked ? { check: checked } : {}),
  loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
};
if (!args.json) {
  log(
    `\ntrain (batch ${trainBatch}): ${train.secondsPerStep ? `median ${train.secondsPerStep.median} s/step` : `failed: ${train.error}`}; ` +
      `search iteration (${cells} cells, ${channels} channels, batch ${searchBatch}): ${search.secondsPerStep ? `median ${search.secondsPerStep.median} s` : `failed: ${search.error}`}` +
      `${software ? ' [software adapter: not a GPU figure]' : ''}`,
  );
}
process.stdout.write(`${JSON.stringify(result)}\n`);
// Dawn keeps the event loop alive; the backend's device is not needed any more.
process.exit(train.error || search.error || gpuErrors.size > 0 || checked?.ok === false ? 1 : 0);
