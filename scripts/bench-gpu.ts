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
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
// The umbrella package registers tfjs-core's gradients and the cpu backend.
import '@tensorflow/tfjs';
import { selectBackend } from '@asng/backend-select';
import { type Dataset, Rng } from '@asng/core';
import { InMemorySplit } from '@asng/dataset-files';
import { runSearch } from '@asng/engine';
import { createImageClassificationSpace, type ImageClassificationSpace } from '@asng/space-image-classification';
import { batchOf, benchmarkNet, initWeights } from '../packages/tfjs-wasm-training/test/nets.js';

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
const shape = [32, 32, 3] as const;
const classes = 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

const INSTALL_HINT =
  'WebGPU needs a Vulkan driver on Linux: on a GPU machine the vendor driver (NVIDIA: its Vulkan ICD, /usr/share/vulkan/icd.d/nvidia_icd.json; ' +
  'in a container NVIDIA_DRIVER_CAPABILITIES must include graphics), ' +
  'without a GPU Mesa lavapipe (Debian 12: add bookworm-backports and `apt-get install -t bookworm-backports mesa-vulkan-drivers`; ' +
  "bookworm's Mesa 22.3 is rejected by Dawn), and the npm packages webgpu and @tensorflow/tfjs-backend-webgpu. " +
  'Check with `vulkaninfo --summary` (package vulkan-tools).';

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

interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether Dawn calls it a fallback (CPU) adapter, where its adapter info says. */
  isFallbackAdapter?: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupStorageSize: number };
}

/** The adapter the webgpu backend asked for (the same request: high-performance), as Dawn describes it. */
async function adapterReport(): Promise<AdapterReport> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter: (o: object) => Promise<unknown> } } }).navigator.gpu;
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as {
    info?: Info;
    isFallbackAdapter?: boolean;
    limits: AdapterReport['limits'];
  };
  const info = adapter.info ?? {};
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    ...(fallback !== undefined ? { isFallbackAdapter: fallback } : {}),
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
  };
}

const adapter = await adapterReport();
/** A CPU implementation of Vulkan or WebGPU (Mesa llvmpipe/lavapipe, SwiftShader, WARP) rather than a GPU. */
const software =
  adapter.isFallbackAdapter === true ||
  /llvmpipe|lavapipe|swiftshader|softpipe|\bwarp\b|microsoft basic render/i.test(
    `${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`,
  );
log(`backend: ${selection.tfjsName} (${selection.reason})`);
if (software && args['require-hardware']) {
  const message = `the WebGPU adapter is a software one (${adapter.description || adapter.device}), not a GPU; --require-hardware`;
  log(`bench:gpu: ${message}`);
  log(INSTALL_HINT);
  process.stdout.write(`${JSON.stringify({ error: message, adapter, software, hint: INSTALL_HINT, loadAverage: loadavg() })}\n`);
  process.exit(3);
}

/** The backend's GPUDevice, as much of it as this script uses. */
interface DeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number };
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  pushErrorScope: (filter: 'validation' | 'out-of-memory' | 'internal') => void;
  popErrorScope: () => Promise<{ message: string } | null>;
}
const device = (tf.backend() as unknown as { device: DeviceLike }).device;
/**
 * Dawn's validation errors, which do not throw: the failed kernel's command
 * is dropped and its output left unwritten, so a run with any has wrong
 * numbers. One line each, `<program>: <first line>`, counted.
 */
const gpuErrors = new Map<string, number>();
function errorLine(message: string): string {
  const program = /ComputePipelineDescriptor ""(\w+)""/.exec(message)?.[1];
  const first = message.split('\n')[0]!.replace(/storage buffers \(\d+\)/g, 'storage buffers (N)');
  return program ? `${program}: ${first}` : first;
}
device.onuncapturederror = (event) => {
  const line = errorLine(event.error.message);
  gpuErrors.set(line, (gpuErrors.get(line) ?? 0) + 1);
};
log(`adapter: ${JSON.stringify(adapter)}${software ? ' (software)' : ''}`);

// ---- helpers ----------------------------------------------------------------

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const round = (v: number) => Number(v.toFixed(4));
  return { median: round(median), mean: round(xs.reduce((a, b) => a + b, 0) / xs.length), min: round(s[0]!), max: round(s.at(-1)!) };
};

/** Kernel or gradient missing on the webgpu backend, from tfjs's error message. */
function unsupportedFrom(error: unknown): string[] {
  const message = (error as Error)?.message ?? String(error);
  const found: string[] = [];
  for (const m of message.matchAll(/'(\w+)' not yet implemented or not found in the registry/g)) found.push(`kernel ${m[1]}`);
  for (const m of message.matchAll(/gradient function not found for (\w+)/g)) found.push(`gradient ${m[1]}`);
  for (const m of message.matchAll(/Kernel '(\w+)' not registered for backend/g)) found.push(`kernel ${m[1]}`);
  return found;
}

interface PartResult {
  secondsPerStep?: ReturnType<typeof stats>;
  times?: number[];
  numTensors?: number[];
  error?: string;
  unsupported?: string[];
}

// ---- (a) the training step of bench:train -----------------------------------

async function trainBenchmark(): Promise<PartResult & { batch: number }> {
  const net = benchmarkNet(32);
  const weights = initWeights(net);
  const { x, labels } = batchOf(trainBatch, 32, 32);
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const loss = optimizer.minimize(() => net.loss(weights, x, labels), true)!;
    await loss.data();
    loss.dispose();
  };
  const times: number[] = [];
  const numTensors: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await step();
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await step();
      times.push((performance.now() - start) / 1000);
      numTensors.push(tf.memory().numTensors);
      log(`train step ${i + 1}/${iterations}: ${times.at(-1)!.toFixed(3)} s, ${numTensors.at(-1)} tensors`);
    }
    return { batch: trainBatch, secondsPerStep: stats(times), times, numTensors };
  } catch (error) {
    return { batch: trainBatch, error: (error as Error).message, unsupported: unsupportedFrom(error) };
  } finally {
    optimizer.dispose();
    tf.dispose([x, labels, ...Object.values(weights)]);
  }
}

// ---- (b) the classification search iteration --------------------------------

/** Random 32x32x3 images with random labels: the timing does not depend on the pixels. */
function randomDataset(size: number): Dataset {
  const rng = new Rng(1);
  const pixels = shape[0] * shape[1] * shape[2];
  const images = Uint8Array.from({ length: size * pixels }, () => rng.int(256));
  const labelData = Int32Array.from({ length: size }, () => rng.int(classes));
  const split = new InMemorySplit(shape, images, labelData);
  return {
    info: { name: 'random-32x32x3', shape, classes, splits: { train: size }, source: 'generated' },
    split: () => split,
  };
}

/**
 * Whether the backend can read a tensor synchronously (`dataSync`). The
 * webgpu backend of tfjs 4.22 does it through `OffscreenCanvas`, which Node
 * lacks, so in Node it throws `OffscreenCanvas is not defined`.
 */
function syncReadProbe(): { ok: true } | { ok: false; error: string } {
  // Big enough not to be handed off to the CPU (WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD, 1000 elements).
  const t = tf.tidy(() => tf.sum(tf.square(tf.range(0, 4096, 1, 'float32'))));
  try {
    t.dataSync();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    t.dispose();
  }
}

/**
 * Whether `tf.addN` of `n` tensors runs: the webgpu backend binds every input
 * of AddN as a storage buffer of one shader, and requests the default limit
 * of 8 per stage, so AddN of more than 7 tensors fails validation (no throw,
 * the output stays unwritten). The engine's gradient clipping adds the
 * squared norms of all used weights in one `tf.addN`.
 */
async function addNProbe(n: number): Promise<string | undefined> {
  device.pushErrorScope('validation');
  const t = tf.tidy(() => tf.addN(Array.from({ length: n }, (_, i) => tf.fill([2048], i + 1))));
  const value = (await t.data())[0]!;
  t.dispose();
  const error = await device.popErrorScope();
  if (error) return errorLine(error.message);
  const expected = (n * (n + 1)) / 2;
  return value === expected ? undefined : `AddN of ${n} tensors: got ${value}, expected ${expected}`;
}

/** What each iteration of the search on webgpu gave, for `--check`. */
const searchTrace: { trainLoss: number; validationLosses: readonly number[]; gradientNorm: number }[] = [];

type SearchResultPart = PartResult & { mode: 'engine'; cells: number; channels: number; batch: number; supernetWeights?: number; variables?: number[] };

/**
 * Runs the engine's `runSearch` (the default config: ASNG with lambda = 2,
 * momentum SGD 0.9, weight decay 3e-4, global-norm clip 5, cosine learning
 * rate from 0.025), each iteration timed from one `onStep` to the next.
 */
async function engineSearch(space: ImageClassificationSpace, total: number, onTime: (step: number, seconds: number, loss: number) => void) {
  let last = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'asng-bench-gpu-'));
  try {
    await runSearch({
      space,
      dataset: randomDataset(2 * searchBatch * total),
      runDir: dir,
      config: { seed: 0, batchSize: searchBatch, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
      onStep: (event) => {
        const now = performance.now();
        searchTrace.push({ trainLoss: event.trainLoss, validationLosses: event.validationLosses, gradientNorm: event.gradientNorm });
        onTime(event.step, (now - last) / 1000, event.trainLoss);
        last = now;
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function searchBenchmark(): Promise<SearchResultPart> {
  const space = createImageClassificationSpace({ cells, channels });
  // The first iteration also builds the supernet and compiles the shaders: at least one untimed.
  const untimed = Math.max(1, warmup);
  const total = untimed + iterations;
  const times: number[] = [];
  const numTensors: number[] = [];
  const variables: number[] = [];
  // Momentum buffers (variables) appear as sampled paths first get a gradient: counted apart, not as a leak.
  const onTime = (step: number, seconds: number, loss: number) => {
    const timed = step > untimed;
    const variableCount = Object.keys(tf.engine().registeredVariables).length;
    const live = tf.memory().numTensors - variableCount;
    if (timed) {
      times.push(seconds);
      numTensors.push(live);
      variables.push(variableCount);
    }
    log(
      `search iteration ${step}/${total}${timed ? '' : ' (warm-up)'}: ${seconds.toFixed(3)} s, ${live} tensors + ${variableCount} variables (weights and momentum buffers), train loss ${loss.toFixed(3)}`,
    );
  };
  const shapeInfo = { mode: 'engine', cells, channels, batch: searchBatch } as const;
  try {
    await engineSearch(space, total, onTime);
  } catch (error) {
    log(`search iteration failed: ${(error as Error).stack}`);
    return { ...shapeInfo, error: (error as Error).message, unsupported: unsupportedFrom(error) };
  }
  const supernet = space.createSupernet({ inputShape: shape, classes }, new Rng(0));
  const supernetWeights = supernet.weights.reduce((s, w) => s + w.variable.size, 0);
  supernet.dispose();
  return { ...shapeInfo, supernetWeights, secondsPerStep: stats(times), times, numTensors, variables };
}

// ---- --check: the same numbers as the cpu backend ------------------------------

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** Loss and gradients of bench:train's net on a batch of 2 (the cpu backend takes 5 s an example), on the active backend. */
async function trainLossAndGrads(): Promise<{ loss: number; grads: Float32Array[] }> {
  const net = benchmarkNet(32);
  const weights = initWeights(net);
  const { x, labels } = batchOf(2, 32, 32);
  const { value, grads } = tf.variableGrads(() => net.loss(weights, x, labels));
  const loss = (await value.data())[0]!;
  const out: Float32Array[] = [];
  for (const v of Object.values(weights)) out.push((await grads[v.name]!.data()) as Float32Array);
  tf.dispose([value, ...Object.values(grads), x, labels, ...Object.values(weights)]);
  return { loss, grads: out };
}

/**
 * Compares bench:train's loss and gradients (batch 2) with the cpu backend's,
 * and the first two iterations of the search (training loss, the two
 * validation losses and the gradient norm of each) with `runSearch` on wasm,
 * same seeds.
 */
async function check(total: number) {
  const started = performance.now();
  const onGpu = await trainLossAndGrads();
  await tf.setBackend('cpu');
  try {
    const onCpu = await trainLossAndGrads();
    let gradient = 0;
    onCpu.grads.forEach((g, i) => {
      const scale = Math.max(...g.map(Math.abs), 1e-12);
      onGpu.grads[i]!.forEach((v, j) => {
        gradient = Math.max(gradient, Math.abs(v - g[j]!) / scale);
      });
    });
    const train = { webgpuLoss: onGpu.loss, cpuLoss: onCpu.loss, lossRelativeDifference: relative(onGpu.loss, onCpu.loss), gradientMaxDifference: gradient };
    log(
      `check, bench:train net: loss webgpu ${onGpu.loss} cpu ${onCpu.loss}; largest gradient difference ${gradient.toExponential(2)} of each gradient's largest value (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    let search: { compared: number; webgpu: number[]; wasm: number[]; maxRelativeDifference: number } | undefined;
    if (searchTrace.length >= 2) {
      // The engine on wasm (the cpu backend takes a minute for these two iterations).
      await selectBackend({ backend: 'wasm', wasmThreads: 'auto' });
      const engine: number[] = [];
      const controller = new AbortController();
      const dir = mkdtempSync(join(tmpdir(), 'asng-bench-gpu-check-'));
      try {
        await runSearch({
          space: createImageClassificationSpace({ cells, channels }),
          dataset: randomDataset(2 * searchBatch * total),
          runDir: dir,
          config: { seed: 0, batchSize: searchBatch, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
          signal: controller.signal,
          onStep: (event) => {
            engine.push(event.trainLoss, ...event.validationLosses, event.gradientNorm);
            if (event.step >= 2) controller.abort();
          },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const webgpu = searchTrace.slice(0, 2).flatMap((t) => [t.trainLoss, ...t.validationLosses, t.gradientNorm]);
      const maxRelativeDifference = Math.max(...webgpu.map((v, i) => relative(v, engine[i]!)));
      search = { compared: 2, webgpu, wasm: engine, maxRelativeDifference };
      log(
        `check, search: first 2 iterations' training loss, validation losses and gradient norm, webgpu ${webgpu.map((v) => v.toFixed(5)).join(' ')}; wasm ${engine.map((v) => v.toFixed(5)).join(' ')} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    const ok = train.lossRelativeDifference < 1e-3 && train.gradientMaxDifference < 1e-3 && (search === undefined || search.maxRelativeDifference < 1e-3);
    return { ok, tolerance: 1e-3, train, ...(search ? { search } : {}) };
  } finally {
    await tf.setBackend('webgpu');
  }
}

// ---- run --------------------------------------------------------------------

const syncReads = syncReadProbe();
if (!syncReads.ok) log(`synchronous reads (dataSync) fail on this backend: ${syncReads.error}; the engine reads asynchronously`);
const addNError = await addNProbe(8);
if (addNError) log(`AddN of 8 tensors fails on this backend: ${addNError}; the engine adds at most 7 at a time on webgpu`);
const started = performance.now();
const train = args.only === 'search' ? { batch: trainBatch, error: 'skipped (--only search)' } : await trainBenchmark();
const search: SearchResultPart =
  args.only === 'train' ? { mode: 'engine', cells, channels, batch: searchBatch, error: 'skipped (--only train)' } : await searchBenchmark();
const checked = args.check ? await check(Math.max(1, warmup) + iterations) : undefined;
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
