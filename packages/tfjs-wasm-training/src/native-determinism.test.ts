import { describe, expect, it } from 'vitest';
import { values } from '../test/compare.js';
import { loadNativeKernels, type NativeAddon } from './native-kernels.js';

/*
 * The native kernels must give the same bits for the same inputs whatever
 * the timing of the pool's threads: every floating-point sum that is split
 * over tasks (filter gradients, depthwise filter gradients, Sum, batch-norm
 * statistics and their gradient, the relu and bias gradient) is combined in
 * an order fixed by the tasks' indices, never by which thread ran which task. Each computation is repeated
 * many times on 2 and 3 threads and every result compared bit for bit with
 * the first; then the results on 1, 2 and 3 threads are compared with each
 * other (the partition of the work depends on the shapes only).
 */

const { addon } = await loadNativeKernels();

const REPEATS = 30;

/** The 4-byte patterns of a result, for exact comparison (NaN payloads and -0 included). */
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** The index of the first value whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = bits(a);
  const y = bits(b);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/**
 * Rows of `inner` values, in blocks of 64 rows: each block of the first half
 * holds either small values or large ones (whole multiples of 2^30); the
 * mirrored block of the second half holds either fresh small values or
 * exactly the negated large ones. The large blocks cancel exactly, so the sum
 * is that of the small values, and a float64 total that meets the large
 * values in a different order keeps different low bits of the small ones: the
 * result of an unordered reduction changes with the order.
 */
function cancelling(rows: number, inner: number, seed: number): Float32Array {
  const out = values([rows, inner], seed);
  const blocks = rows / 64;
  const pick = values([blocks], seed + 1);
  for (let b = 1; b < blocks / 2; b++) {
    if (pick[b]! < 0) continue;
    const mirror = blocks - 1 - b;
    for (let i = 0; i < 64 * inner; i++) {
      const big = Math.round(out[b * 64 * inner + i]! * 8) * 2 ** 30;
      out[b * 64 * inner + i] = big;
      out[mirror * 64 * inner + i] = -big;
    }
  }
  return out;
}

type Run = () => Float32Array[];

/** `run` on `threads` threads, `REPEATS` times: the first result and the labels of those that differ from it. */
function repeat(native: NativeAddon, threads: number, run: Run): { first: Float32Array[]; differing: string[] } {
  expect(native.setThreads(threads)).toBe(threads);
  const first = run();
  const differing: string[] = [];
  for (let r = 1; r < REPEATS; r++) {
    const again = run();
    again.forEach((out, i) => {
      const at = firstDifference(first[i]!, out);
      if (at >= 0) differing.push(`repeat ${r}, output ${i}, value ${at}: ${first[i]![at]} then ${out[at]}`);
    });
  }
  return { first, differing };
}

type Shape15 = number[];

/** [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, padTop, padLeft] ('same' padding, stride 1). */
function sameShape(batch: number, size: number, c: number, outC: number, k: number): Shape15 {
  const pad = (k - 1) >> 1;
  return [batch, size, size, c, size, size, outC, k, k, 1, 1, 1, 1, pad, pad];
}

describe.runIf(addon !== undefined)('the native kernels are deterministic', () => {
  const native = addon!;

  const cases: [string, Run][] = (() => {
    // conv2d 3x3 16 -> 32 on 8x32x32: 8192 output pixels, many pixel blocks
    const conv = sameShape(8, 32, 16, 32, 3);
    const cx = values([8, 32, 32, 16], 11);
    const cw = values([3, 3, 16, 32], 12);
    const cdy = values([8, 32, 32, 32], 13);
    // depthwise 5x5 on 8x32x32x32 (multiplier 1) and 3x3 on 8x16x16x8 with multiplier 2
    const dw1 = sameShape(8, 32, 32, 32, 5);
    const dx1 = values([8, 32, 32, 32], 21);
    const ddy1 = values([8, 32, 32, 32], 22);
    const dw2 = sameShape(8, 16, 8, 16, 3);
    const dx2 = values([8, 16, 16, 8], 23);
    const ddy2 = values([8, 16, 16, 16], 24);
    // sums over 131072 rows of 4 and 65536 rows of 8 (several tasks each), values that cancel
    const s4 = cancelling(2 * 65536, 4, 31);
    const s8 = cancelling(65536, 8, 32);
    const plain = values([2, 8192, 16], 33);
    // the relu and bias gradient over 65536 rows of 8 channels, values that cancel
    const rdy = cancelling(65536, 8, 34);
    const ry = values([65536, 8], 35);
    // batch norm over 65536 rows of 8 channels
    const nx = cancelling(65536, 8, 41);
    const ndy = cancelling(65536, 8, 42);
    const ny = values([65536, 8], 43);
    const nvar = Float32Array.from(values([8], 44), (v) => v * v + 0.5);
    return [
      [
        'conv2dBackpropFilter',
        () => {
          const dw = new Float32Array(3 * 3 * 16 * 32);
          native.conv2dBackpropFilter(cx, cdy, dw, Int32Array.from(conv));
          return [dw];
        },
      ],
      [
        'conv2d and conv2dBackpropInput',
        () => {
          const y = new Float32Array(cdy.length);
          const dx = new Float32Array(cx.length);
          native.conv2d(cx, cw, y, Int32Array.from(conv));
          native.conv2dBackpropInput(cdy, cw, dx, Int32Array.from(conv));
          return [y, dx];
        },
      ],
      [
        'depthwiseConv2dBackpropFilter, multipliers 1 and 2',
        () => {
          const a = new Float32Array(5 * 5 * 32);
          const b = new Float32Array(3 * 3 * 16);
          native.depthwiseConv2dBackpropFilter(dx1, ddy1, a, Int32Array.from(dw1));
          native.depthwiseConv2dBackpropFilter(dx2, ddy2, b, Int32Array.from(dw2));
          return [a, b];
        },
      ],
      [
        'sumAdjacent',
        () => {
          const a = new Float32Array(4);
          const b = new Float32Array(8);
          const c = new Float32Array(2 * 16);
          native.sumAdjacent(s4, a, 1, 2 * 65536, 4);
          native.sumAdjacent(s8, b, 1, 65536, 8);
          native.sumAdjacent(plain, c, 2, 8192, 16);
          return [a, b, c];
        },
      ],
      [
        'reluBiasGrad',
        () => {
          const dx = new Float32Array(rdy.length);
          const dbias = new Float32Array(8);
          native.reluBiasGrad(rdy, ry, dx, dbias);
          return [dx, dbias];
        },
      ],
      [
        'normalizeBatch and normalizeBatchGrad',
        () => {
          const y = new Float32Array(nx.length);
          const mean = new Float32Array(8);
          const variance = new Float32Array(8);
          native.normalizeBatch(nx, y, mean, variance, 8, 1e-3);
          const dx = new Float32Array(ndy.length);
          native.normalizeBatchGrad(ndy, ny, nvar, dx, 8, 1e-3);
          return [mean, variance, y, dx];
        },
      ],
    ];
  })();

  it.each(cases)(`%s: ${REPEATS} repeats on 2 and on 3 threads give the same bits`, (_, run) => {
    const before = native.getThreads();
    try {
      for (const threads of [2, 3]) {
        const { differing } = repeat(native, threads, run);
        expect(differing.slice(0, 5), `${threads} threads: ${differing.length} differing results`).toEqual([]);
      }
    } finally {
      native.setThreads(before);
    }
  });

  it('the convolutions give the same bits whatever earlier calls left in the buffers the addon keeps', () => {
    // The addon keeps its per-call buffers (chunk sums, packed and transformed filters) from one
    // call to the next; each call must write them before reading them. Larger convolutions of
    // NaN in between fill those buffers with NaN, which would reach any value read first.
    const shapes = [sameShape(4, 16, 16, 32, 3), sameShape(4, 16, 16, 32, 5), [4, 16, 16, 16, 8, 8, 32, 3, 3, 2, 2, 1, 1, 0, 0]];
    const run = (shape: Shape15, fill?: number): Float32Array[] => {
      const [b, h, w, c, oh, ow, co, fh, fw] = shape as [number, number, number, number, number, number, number, number, number];
      const nan = (a: Float32Array) => (fill === undefined ? a : a.fill(fill));
      const x = nan(values([b, h, w, c], 51));
      const filter = nan(values([fh, fw, c, co], 52));
      const dy = nan(values([b, oh, ow, co], 53));
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(filter.length);
      native.conv2d(x, filter, y, Int32Array.from(shape));
      native.conv2dBackpropInput(dy, filter, dx, Int32Array.from(shape));
      native.conv2dBackpropFilter(x, dy, dw, Int32Array.from(shape));
      return [y, dx, dw];
    };
    const before = native.getThreads();
    try {
      native.setThreads(2);
      const first = shapes.map((shape) => run(shape));
      for (const shape of [sameShape(8, 32, 48, 64, 3), sameShape(8, 32, 48, 64, 5), [8, 32, 32, 48, 16, 16, 64, 3, 3, 2, 2, 1, 1, 0, 0]]) {
        for (const out of run(shape, Number.NaN)) expect(out.some(Number.isNaN)).toBe(true);
      }
      shapes.forEach((shape, s) => {
        run(shape).forEach((out, i) => {
          const at = firstDifference(first[s]![i]!, out);
          expect(at, `shape ${s}, output ${i}, value ${at}`).toBe(-1);
        });
      });
    } finally {
      native.setThreads(before);
    }
  });

  it.each(cases)('%s: the same bits on 1, 2 and 3 threads', (_, run) => {
    const before = native.getThreads();
    try {
      const results = [1, 2, 3].map((threads) => {
        native.setThreads(threads);
        return run();
      });
      for (const [t, result] of results.entries()) {
        result.forEach((out, i) => {
          const at = firstDifference(results[0]![i]!, out);
          expect(at, `${t + 1} threads, output ${i}, value ${at}`).toBe(-1);
        });
      }
    } finally {
      native.setThreads(before);
    }
  });
});
