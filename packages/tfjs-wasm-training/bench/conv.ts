/**
 * The native convolution kernels alone, at the shapes of bench/train.ts's net
 * and of the classification search (20 channels): milliseconds and GFLOP/s of
 * the forward pass, the input gradient and the filter gradient, with each
 * vector width this CPU has (AVX-512 tiles, then AVX2 tiles forced with
 * `vectorBits(256)`; the same bits, checked here on every shape).
 *
 *   npm run -s bench:conv -w @asng/tfjs-wasm-training -- [--threads 2] [--repeats 40] [--winograd true|false] [--pytorch auto|true|false] [--python PATH]
 *
 * `--winograd false` runs the 3x3 stride-1 shapes directly instead of by
 * Winograd F(2x2, 3x3) (the addon's `winograd`; the JSON's `winograd` says which).
 *
 * Each figure is the fastest of `--repeats` calls after 3 untimed ones (the
 * fastest, not the median: on a shared virtual machine the median moves with
 * the neighbours, the minimum with the code). JSON last on stdout:
 * `{"threads","vectorBits":[...],"loadAverage","shapes":[{"name","gflop","ms":{"512":{"forward","input","filter"},...},"torch"?,"ratio"?}]}`.
 *
 * With PyTorch (`--pytorch auto`, the default: where a Python imports torch,
 * as bench:train finds it), bench/conv_torch.py then times the same three
 * kernels of each shape on PyTorch's CPU build (oneDNN, channels-last, the
 * same threads and repeats): each shape's `torch` holds its milliseconds and
 * `ratio` ours (the widest tiles) over PyTorch's, per kernel.
 */
import { loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadNativeKernels } from '../src/native-kernels.js';
import { DEFAULT_PYTHONS, parsePytorchMode, resolvePytorch } from './pytorch.js';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '40' },
    winograd: { type: 'string', default: 'true' },
    pytorch: { type: 'string', default: 'auto' },
    python: { type: 'string' },
  },
});
const threads = Number(args.threads);
const repeats = Number(args.repeats);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads: expected a positive integer, got ${args.threads}`);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: expected a positive integer, got ${args.repeats}`);
const pytorch = resolvePytorch(parsePytorchMode(args.pytorch), args.python ? [args.python] : DEFAULT_PYTHONS);
const { addon, status } = await loadNativeKernels();
if (addon === undefined) throw new Error(`bench:conv needs the native kernels: ${status.reason}`);
const loadAtStart = loadavg()[0]!;
addon.setThreads(threads);
if (args.winograd !== 'true' && args.winograd !== 'false') throw new Error(`--winograd: expected true or false, got ${args.winograd}`);
const winograd = addon.winograd(args.winograd === 'true');

/** [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, padTop, padLeft] */
const same = (batch: number, size: number, cin: number, cout: number, k: number): number[] => {
  const pad = (k - 1) >> 1;
  return [batch, size, size, cin, size, size, cout, k, k, 1, 1, 1, 1, pad, pad];
};
const SHAPES: [string, number[]][] = [
  ['3x3 3->32, 32x32 (bench:train layer 1)', same(64, 32, 3, 32, 3)],
  ['3x3 32->32, 32x32 (bench:train layer 2)', same(64, 32, 32, 32, 3)],
  ['1x1 32->64, 16x16 (bench:train separable, pointwise)', same(64, 16, 32, 64, 1)],
  ['3x3 64->64, 16x16 (bench:train layer 4)', same(64, 16, 64, 64, 3)],
  ['3x3 20->20, 32x32 (classification search, 20 channels)', same(64, 32, 20, 20, 3)],
];

/** Deterministic values in [-1, 1). */
const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + seed * 78.233));

const fastest = (fn: () => void): number => {
  for (let i = 0; i < 3; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
};

const widths = [...new Set([addon.vectorBits(0), 256])];
const before = addon.vectorBits();
const shapes = [];
try {
  for (const [name, s] of SHAPES) {
    const [b, h, w, c, oh, ow, co, fh, fw] = s as [number, number, number, number, number, number, number, number, number];
    const shape = Int32Array.from(s);
    const x = values(b * h * w * c, 1);
    const filter = values(fh * fw * c * co, 2);
    const dy = values(b * oh * ow * co, 3);
    const flop = 2 * b * oh * ow * co * fh * fw * c;
    const ms: Record<string, { forward: number; input: number; filter: number }> = {};
    const outputs: Float32Array[][] = [];
    for (const bits of widths) {
      addon.vectorBits(bits as 256 | 512);
      const y = new Float32Array(b * oh * ow * co);
      const dx = new Float32Array(b * h * w * c);
      const dw = new Float32Array(fh * fw * c * co);
      ms[bits] = {
        forward: fastest(() => addon.conv2d(x, filter, y, shape)),
        input: fastest(() => addon.conv2dBackpropInput(dy, filter, dx, shape)),
        filter: fastest(() => addon.conv2dBackpropFilter(x, dy, dw, shape)),
      };
      outputs.push([y, dx, dw]);
    }
    for (const [i, out] of outputs.entries()) {
      out.forEach((a, k) => {
        const ref = outputs[0]![k]!;
        if (!Buffer.from(a.buffer).equals(Buffer.from(ref.buffer)))
          throw new Error(`${name}: output ${k} of the ${widths[i]}-bit tiles differs from the ${widths[0]}-bit ones`);
      });
    }
    const round = (v: number) => Number(v.toFixed(3));
    const line = Object.entries(ms)
      .map(
        ([bits, t]) =>
          `${bits}-bit ${(['forward', 'input', 'filter'] as const).map((k) => `${k} ${t[k].toFixed(2)} ms (${(flop / t[k] / 1e6).toFixed(0)} GFLOP/s)`).join(', ')}`,
      )
      .join('; ');
    process.stderr.write(`${name}: ${line}\n`);
    shapes.push({
      name,
      gflop: round(flop / 1e9),
      ms: Object.fromEntries(Object.entries(ms).map(([bits, t]) => [bits, { forward: round(t.forward), input: round(t.input), filter: round(t.filter) }])),
    });
  }
} finally {
  addon.vectorBits(before as 256 | 512);
}
type Times = { forward: number; input: number; filter: number };
const KERNELS = ['forward', 'input', 'filter'] as const;
let torchInfo: { torchVersion: string; torchThreads: number } | { torchSkipped: string } = {
  torchSkipped: 'skipped' in pytorch ? pytorch.skipped : 'not run',
};
if ('python' in pytorch) {
  const script = fileURLToPath(new URL('./conv_torch.py', import.meta.url));
  const shapeArgs = SHAPES.flatMap(([, s]) => ['--shape', [s[0], s[1], s[3], s[6], s[7]].join(',')]);
  const run = spawnSync(pytorch.python, [script, '--threads', String(threads), '--repeats', String(repeats), ...shapeArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.error || run.status !== 0)
    throw new Error(`${script} failed (${pytorch.python}: ${run.error?.message ?? `exit status ${run.status ?? run.signal}`})`);
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: { torchVersion: string; torchThreads: number; shapes: Times[] };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new Error(`${script}: expected a JSON line last on stdout, got ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (
    !Array.isArray(parsed.shapes) ||
    parsed.shapes.length !== shapes.length ||
    !parsed.shapes.every((t) => KERNELS.every((k) => typeof t[k] === 'number' && t[k] > 0))
  ) {
    throw new Error(`${script}: expected "shapes" of ${shapes.length} {forward, input, filter} in ms, got ${line.slice(0, 200)}`);
  }
  torchInfo = { torchVersion: parsed.torchVersion, torchThreads: parsed.torchThreads };
  for (const [i, shape] of shapes.entries()) {
    const torch = parsed.shapes[i]!;
    const ours = shape.ms[String(widths[0])]!;
    const ratio = Object.fromEntries(KERNELS.map((k) => [k, Number((ours[k] / torch[k]).toFixed(2))])) as Times;
    Object.assign(shape, { torch: Object.fromEntries(KERNELS.map((k) => [k, Number(torch[k].toFixed(3))])), ratio });
    process.stderr.write(
      `${shape.name}: PyTorch ${KERNELS.map((k) => `${k} ${torch[k].toFixed(2)} ms`).join(', ')}; ours / PyTorch ${KERNELS.map((k) => ratio[k].toFixed(2)).join(', ')}\n`,
    );
  }
}
const round2 = (v: number) => Number(v.toFixed(2));
process.stdout.write(
  `${JSON.stringify({ threads, repeats, winograd, vectorBits: widths, loadAverage: [round2(loadAtStart), round2(loadavg()[0]!)], ...torchInfo, shapes })}\n`,
);
