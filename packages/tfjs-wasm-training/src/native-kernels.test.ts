import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expectClose, values } from '../test/compare.js';
import { loadNativeKernels, type NativeAddon } from './native-kernels.js';

const { addon, status } = await loadNativeKernels();

/** A C compiler is present: the install script must then have built the addon on linux-x64. */
const compilerPresent = ['cc', 'gcc', 'clang'].some((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
const expectNative = process.platform === 'linux' && process.arch === 'x64' && compilerPresent && process.env['ASNG_NATIVE_KERNELS'] !== '0';

describe('loadNativeKernels', () => {
  it.runIf(expectNative)('loads the addon built by the install script on linux-x64 with a C compiler', () => {
    expect(status.reason).toBeUndefined();
    expect(status.available).toBe(true);
    expect(addon).toBeDefined();
  });
  it('reports why when it cannot load them, and never throws', async () => {
    const again = await loadNativeKernels();
    expect(again.status.available).toBe(again.addon !== undefined);
    if (!again.status.available) expect(again.status.reason).toMatch(/\w/);
  });
});

type Shape15 = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** [batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, padTop, padLeft] with the output size filled in. */
function convShape(batch: number, h: number, w: number, c: number, outC: number, k: number, stride: number, dilation: number, pad: number): Shape15 {
  const out = (size: number) => Math.floor((size + 2 * pad - ((k - 1) * dilation + 1)) / stride) + 1;
  return [batch, h, w, c, out(h), out(w), outC, k, k, stride, stride, dilation, dilation, pad, pad];
}

/** Float64 references of the three convolution kernels, straight from the definition. */
function referenceConv(s: Shape15, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const [B, H, W, C, OH, OW, CO, FH, FW, SH, SW, DH, DW, PT, PL] = s;
  const y = new Float64Array(B * OH * OW * CO);
  const dx = new Float64Array(B * H * W * C);
  const dw = new Float64Array(FH * FW * C * CO);
  for (let n = 0; n < B; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < FH; kh++)
          for (let kw = 0; kw < FW; kw++) {
            const ih = oh * SH - PT + kh * DH;
            const iw = ow * SW - PL + kw * DW;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let ci = 0; ci < C; ci++) {
              const xi = ((n * H + ih) * W + iw) * C + ci;
              for (let co = 0; co < CO; co++) {
                const wi = ((kh * FW + kw) * C + ci) * CO + co;
                const oi = ((n * OH + oh) * OW + ow) * CO + co;
                y[oi]! += x[xi]! * w[wi]!;
                dx[xi]! += dy[oi]! * w[wi]!;
                dw[wi]! += x[xi]! * dy[oi]!;
              }
            }
          }
  return { y: Float32Array.from(y), dx: Float32Array.from(dx), dw: Float32Array.from(dw) };
}

function runConv(native: NativeAddon, s: Shape15, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const [B, H, W, C, OH, OW, CO, FH, FW] = s;
  const shape = Int32Array.from(s);
  // NaN-filled outputs: every value must be written.
  const y = new Float32Array(B * OH * OW * CO).fill(Number.NaN);
  const dx = new Float32Array(B * H * W * C).fill(Number.NaN);
  const dw = new Float32Array(FH * FW * C * CO).fill(Number.NaN);
  native.conv2d(x, w, y, shape);
  native.conv2dBackpropInput(dy, w, dx, shape);
  native.conv2dBackpropFilter(x, dy, dw, shape);
  return { y, dx, dw };
}

/** Pseudo-random x, filter and dy for the convolution `s`, from seeds `seed`, `seed + 1`, `seed + 2`. */
function operands(s: Shape15, seed: number): { x: Float32Array; w: Float32Array; dy: Float32Array } {
  const [B, H, W, C, OH, OW, CO, FH, FW] = s;
  return { x: values([B, H, W, C], seed), w: values([FH, FW, C, CO], seed + 1), dy: values([B, OH, OW, CO], seed + 2) };
}

/** The first index whose bits differ, or -1 (a loop: deep equality of 300K values is slow). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const [x, z] = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
  if (x.length !== z.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== z[i]) return i;
  return -1;
}

describe.runIf(addon !== undefined)('the native addon', () => {
  const native = addon!;
  const cases: [string, Shape15][] = [
    ['3x3 same, channels cut at 21 and 37, several row blocks', convShape(2, 13, 11, 21, 37, 3, 1, 1, 1)],
    ['5x5 stride 2 (four phases)', convShape(2, 12, 13, 9, 18, 5, 2, 1, 2)],
    ['3x3 dilation 2, stride 3', convShape(1, 14, 12, 7, 16, 3, 3, 2, 2)],
    ['1x1 stride 2', convShape(3, 9, 10, 33, 8, 1, 2, 1, 0)],
    ['7x7 on 3 channels, output smaller than the filter reach', convShape(2, 8, 9, 3, 5, 7, 2, 1, 0)],
  ];

  it.each(cases)('convolution and its gradients match a float64 reference on 1, 2 and 3 threads: %s', (_, s) => {
    const { x, w, dy } = operands(s, 1);
    const expected = referenceConv(s, x, w, dy);
    const before = native.getThreads();
    try {
      for (const threads of [1, 2, 3]) {
        expect(native.setThreads(threads)).toBe(threads);
        const actual = runConv(native, s, x, w, dy);
        expectClose(actual.y, expected.y, `y, ${threads} threads`, 2e-6);
        expectClose(actual.dx, expected.dx, `dx, ${threads} threads`, 2e-6);
        expectClose(actual.dw, expected.dw, `dw, ${threads} threads`, 2e-6);
      }
    } finally {
      native.setThreads(before);
    }
  });

  const wideCases: [string, Shape15][] = [
    ...cases,
    ['3x3 same, 32 -> 64 channels (full 32-wide panels)', convShape(2, 9, 8, 32, 64, 3, 1, 1, 1)],
    ['3x3 stride 2, 40 -> 20 channels (panels cut at 8 and 20)', convShape(2, 10, 9, 40, 20, 3, 2, 1, 1)],
    ['1x1, 5 -> 48 channels', convShape(1, 7, 7, 5, 48, 1, 1, 1, 0)],
    // Winograd: its transforms run 16 channels at a time (the last under a mask) with AVX-512, 8 at a time then one by one with AVX2
    ['3x3 same (Winograd), 9 -> 17 channels, odd sizes', convShape(2, 7, 9, 9, 17, 3, 1, 1, 1)],
  ];

  it.each(wideCases)('AVX-512 and AVX2 tiles give the same bits on 1 and 2 threads: %s', (_, s) => {
    const { x, w, dy } = operands(s, 5);
    const [beforeBits, beforeThreads] = [native.vectorBits(), native.getThreads()];
    try {
      const wide = native.vectorBits(512);
      expect([256, 512]).toContain(wide);
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        native.vectorBits(512);
        const a = runConv(native, s, x, w, dy);
        expect(native.vectorBits(256)).toBe(256);
        const b = runConv(native, s, x, w, dy);
        for (const key of ['y', 'dx', 'dw'] as const) {
          expect(new Uint32Array(a[key].buffer), `${key}, ${threads} threads`).toEqual(new Uint32Array(b[key].buffer));
        }
      }
    } finally {
      native.vectorBits(beforeBits as 256 | 512);
      native.setThreads(beforeThreads);
    }
  });

  /** [batch, inH, inW, inC, outH, outW, outC, 3, 3, 1, 1, 1, 1, padTop, padLeft]: a 3x3 stride-1 convolution with any padding. */
  const conv3x3 = (
    batch: number,
    h: number,
    w: number,
    c: number,
    outC: number,
    padTop: number,
    padLeft: number,
    padBottom: number,
    padRight: number,
  ): Shape15 => [batch, h, w, c, h + padTop + padBottom - 2, w + padLeft + padRight - 2, outC, 3, 3, 1, 1, 1, 1, padTop, padLeft];
  const winogradCases: [string, Shape15][] = [
    ['same, odd sizes (partial tiles), 8 -> 13 channels', conv3x3(2, 7, 9, 8, 13, 1, 1, 1, 1)],
    ['valid (padding 0), 40 -> 20 channels, several blocks', conv3x3(3, 12, 11, 40, 20, 0, 0, 0, 0)],
    ['padding 2 at top and left, 1 at bottom and right, 16 -> 33 channels', conv3x3(1, 6, 5, 16, 33, 2, 2, 1, 1)],
    ['padding 0 at top, 2 at left, a 1-pixel-high output', conv3x3(2, 3, 6, 9, 8, 0, 2, 0, 0)],
    ['64 -> 64 channels, 120 tiles (blocks of 48)', conv3x3(2, 16, 13, 64, 64, 1, 1, 1, 1)],
    ['72 -> 70 channels (blocks of 24)', conv3x3(1, 10, 10, 72, 70, 1, 1, 1, 1)],
  ];

  it.each(
    winogradCases,
  )('Winograd F(2x2, 3x3) (forward, input and filter gradients) matches the float64 reference and the direct product on 1 and 3 threads: %s', (_, s) => {
    const { x, w, dy } = operands(s, 9);
    const expected = referenceConv(s, x, w, dy);
    const [beforeThreads, beforeWinograd] = [native.getThreads(), native.winograd()];
    try {
      expect(native.winograd(false)).toBe(false);
      const direct = runConv(native, s, x, w, dy);
      expect(native.winograd(true)).toBe(true);
      const results = [1, 3].map((threads) => {
        native.setThreads(threads);
        return runConv(native, s, x, w, dy);
      });
      const [one, three] = results as [ReturnType<typeof runConv>, ReturnType<typeof runConv>];
      for (const key of ['y', 'dx', 'dw'] as const) {
        expectClose(one[key], expected[key], `${key}, Winograd`, 2e-6);
        expectClose(direct[key], expected[key], `${key}, direct`, 2e-6);
        expect(new Uint32Array(three[key].buffer), `${key}: the same bits on 1 and 3 threads`).toEqual(new Uint32Array(one[key].buffer));
      }
      // Another rounding than the direct product: the Winograd path did run.
      expect(new Uint32Array(one.y.buffer)).not.toEqual(new Uint32Array(direct.y.buffer));
      expect(new Uint32Array(one.dx.buffer)).not.toEqual(new Uint32Array(direct.dx.buffer));
      expect(new Uint32Array(one.dw.buffer)).not.toEqual(new Uint32Array(direct.dw.buffer));
    } finally {
      native.setThreads(beforeThreads);
      native.winograd(beforeWinograd);
    }
  });

  it('Winograd leaves other convolutions alone: strides, dilations, 5x5 filters and fewer than 8 channels give the same bits either way', () => {
    const before = native.winograd();
    try {
      for (const s of [
        convShape(2, 9, 8, 16, 16, 3, 2, 1, 1),
        convShape(1, 10, 10, 16, 16, 3, 1, 2, 2),
        convShape(1, 9, 9, 16, 16, 5, 1, 1, 2),
        convShape(2, 8, 8, 3, 32, 3, 1, 1, 1),
        convShape(2, 8, 8, 32, 7, 3, 1, 1, 1),
      ]) {
        const { x, w, dy } = operands(s, 2);
        native.winograd(true);
        const a = runConv(native, s, x, w, dy);
        native.winograd(false);
        const b = runConv(native, s, x, w, dy);
        for (const key of ['y', 'dx', 'dw'] as const)
          expect(new Uint32Array(a[key].buffer), `${key} of ${s.join(',')}`).toEqual(new Uint32Array(b[key].buffer));
      }
    } finally {
      native.winograd(before);
    }
    expect(() => (native.winograd as (on: unknown) => boolean)(1)).toThrow(/winograd: expected true or false/);
  });

  it('vectorBits refuses widths other than 0, 256 and 512', () => {
    expect(() => (native.vectorBits as (bits: number) => number)(128)).toThrow(/expected 0, 256 or 512/);
  });

  it('sums, batch statistics and box copies agree across thread counts', () => {
    const x = values([300, 37], 4);
    const before = native.getThreads();
    const results: Float32Array[][] = [];
    try {
      for (const threads of [1, 3]) {
        native.setThreads(threads);
        const sum = new Float32Array(37);
        native.sumAdjacent(x, sum, 1, 300, 37);
        const y = new Float32Array(x.length);
        const mean = new Float32Array(37);
        const variance = new Float32Array(37);
        native.normalizeBatch(x, y, mean, variance, 37, 1e-3);
        const box = new Float32Array(5 * 37);
        native.copyBox(x, box, Int32Array.from([2, 300, 37, 5, 37, 100, 0, 0, 0, 5, 37]));
        const average = new Float32Array(37);
        native.meanAdjacent(x, average, 1, 300, 37);
        const tiled = new Float32Array(x.length * 6);
        native.tile(x, tiled, Int32Array.from([2, 300, 37, 2, 3]));
        results.push([sum, y, mean, variance, box, average, tiled]);
      }
    } finally {
      native.setThreads(before);
    }
    const [one, three] = results as [Float32Array[], Float32Array[]];
    one.forEach((a, i) => expectClose(three[i]!, a, `output ${i}`, 1e-6));
    expect(Array.from(one[4]!)).toEqual(Array.from(x.subarray(100 * 37, 105 * 37)));
    let column0 = 0;
    for (let r = 0; r < 300; r++) column0 += x[r * 37]!;
    expect(one[0]![0]).toBeCloseTo(column0, 4);
    expect(one[5]![0]).toBeCloseTo(column0 / 300, 6);
    // tile: row r, column c of the [600, 111] output is x[r % 300][c % 37].
    for (const [r, c] of [
      [0, 0],
      [299, 36],
      [300, 37],
      [450, 80],
      [599, 110],
    ] as const) {
      expect(one[6]![r * 111 + c]).toBe(x[(r % 300) * 37 + (c % 37)]);
    }
  });

  it('reluBiasGrad gives the bits of reluGrad then sumAdjacent, NaN, infinities and signed zeros included, on 1, 2 and 3 threads', () => {
    // 2 x 4,096 rows of 37 channels: several tasks of whole 64-row blocks and a partial last one.
    const rows = 8192 + 23;
    const channels = 37;
    const dy = values([rows, channels], 51);
    const y = Float32Array.from(values([rows, channels], 52), (v) => (v < -0.2 ? 0 : v));
    for (const [at, value] of [
      [5, Number.NaN],
      [77, Number.POSITIVE_INFINITY],
      [90, -0],
      [1000, Number.NEGATIVE_INFINITY],
    ] as const) {
      y[at] = value;
      dy[at + 3] = value;
    }
    // Large values that cancel within a column: a sum in another order keeps other low bits.
    for (let r = 64; r < 128; r++) {
      dy[r * channels + 1] = 2 ** 28 * (r % 3);
      dy[(rows - 1 - r) * channels + 1] = -(2 ** 28) * (r % 3);
      y[r * channels + 1] = 1;
      y[(rows - 1 - r) * channels + 1] = 1;
    }
    const before = native.getThreads();
    try {
      for (const threads of [1, 2, 3]) {
        native.setThreads(threads);
        const expectedDx = new Float32Array(dy.length);
        const expectedSum = new Float32Array(channels);
        native.reluGrad(dy, y, expectedDx);
        native.sumAdjacent(expectedDx, expectedSum, 1, rows, channels);
        const dx = new Float32Array(dy.length).fill(Number.NaN);
        const dbias = new Float32Array(channels).fill(Number.NaN);
        native.reluBiasGrad(dy, y, dx, dbias);
        expect(firstDifference(dx, expectedDx), `dx on ${threads} thread(s)`).toBe(-1);
        expect(firstDifference(dbias, expectedSum), `dbias on ${threads} thread(s)`).toBe(-1);
        expect(Number.isNaN(dbias[5 % channels]!)).toBe(true);
      }
    } finally {
      native.setThreads(before);
    }
    expect(() => native.reluBiasGrad(dy, y, dy, new Float32Array(36))).toThrow(/reluBiasGrad: dy must hold whole rows of dbias's length/);
    expect(() => native.reluBiasGrad(dy, y.subarray(1), dy, new Float32Array(channels))).toThrow(/reluBiasGrad: y has/);
  });

  it.each([
    ['Winograd, 9 -> 17 channels (16-lane mask, AVX2 scalar tail)', convShape(2, 7, 9, 9, 17, 3, 1, 1, 1)],
    ['Winograd, 32 -> 32 channels', convShape(1, 6, 8, 32, 32, 3, 1, 1, 1)],
    ['direct, 5x5 stride 2', convShape(2, 12, 13, 9, 18, 5, 2, 1, 2)],
  ])('conv2d with a bias and each activation gives the bits of conv2d, then the bias and activation value by value, on both vector widths: %s', (_, s) => {
    const { x, w } = operands(s, 61);
    // Outputs of both signs, some exactly -bias (0 after the add), a NaN bias and -0 bias.
    const outC = s[6];
    const bias = Float32Array.from(values([outC], 62), (v) => v * 3);
    bias[1] = Number.NaN;
    bias[2] = -0;
    const size = s[0] * s[4] * s[5] * outC;
    const beforeBits = native.vectorBits();
    const alpha = 0.3;
    const f = Math.fround;
    const activations: [number, (v: number) => number][] = [
      [0, (v) => v],
      [1, (v) => (v > 0 ? v : Number.isNaN(v) ? v : 0)],
      [2, (v) => (v > 0 ? (v < 6 ? v : 6) : 0)],
      [3, (v) => (v > 0 ? v : f(f(alpha) * v))],
    ];
    try {
      for (const bits of [512, 256] as const) {
        native.vectorBits(bits);
        const plain = new Float32Array(size);
        native.conv2d(x, w, plain, Int32Array.from(s));
        for (const [activation, apply] of activations) {
          const expected = Float32Array.from(plain, (v, i) => apply(f(v + bias[i % outC]!)));
          const y = new Float32Array(size).fill(Number.NaN);
          native.conv2d(x, w, y, Int32Array.from(s), bias, activation, alpha);
          expect(firstDifference(y, expected), `activation ${activation}, ${bits} bits`).toBe(-1);
        }
      }
    } finally {
      native.vectorBits(beforeBits as 256 | 512);
    }
  });

  it.each([
    ['5x5 same, 32 channels (two full vectors of 16)', convShape(2, 16, 16, 32, 32, 5, 1, 1, 2)],
    ['3x3 stride 2, 19 channels (16 and a masked 3)', convShape(2, 11, 9, 19, 19, 3, 2, 1, 1)],
    ['3x3 dilation 2, 40 channels (a group of 32 and one of 8)', convShape(1, 12, 13, 40, 40, 3, 1, 2, 2)],
    ['7x7 stride 3, 5 channels, rows wider than 8 pixels', convShape(2, 9, 30, 5, 5, 7, 3, 1, 3)],
    ['9x9 (wider than the all-taps filter gradient), 16 channels', convShape(1, 10, 12, 16, 16, 9, 1, 1, 4)],
  ])('depthwise convolution (multiplier 1) gives the same bits with AVX-512 and AVX2, and matches a float64 reference: %s', (_, s) => {
    const [B, H, W, C, OH, OW, , FH, FW, SH, SW, DH, DW, PT, PL] = s;
    const x = values([B, H, W, C], 81);
    const w = values([FH, FW, C, 1], 82);
    const dy = values([B, OH, OW, C], 83);
    const reference = { y: new Float64Array(B * OH * OW * C), dx: new Float64Array(x.length), dw: new Float64Array(w.length) };
    for (let n = 0; n < B; n++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let kh = 0; kh < FH; kh++)
            for (let kw = 0; kw < FW; kw++) {
              const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                const [xi, wi, oi] = [((n * H + ih) * W + iw) * C + c, (kh * FW + kw) * C + c, ((n * OH + oh) * OW + ow) * C + c];
                reference.y[oi]! += x[xi]! * w[wi]!;
                reference.dx[xi]! += dy[oi]! * w[wi]!;
                reference.dw[wi]! += x[xi]! * dy[oi]!;
              }
            }
    const run = () => {
      const shape = Int32Array.from(s);
      const out = {
        y: new Float32Array(B * OH * OW * C).fill(Number.NaN),
        dx: new Float32Array(x.length).fill(Number.NaN),
        dw: new Float32Array(w.length).fill(Number.NaN),
      };
      native.depthwiseConv2d(x, w, out.y, shape);
      native.depthwiseConv2dBackpropInput(dy, w, out.dx, shape);
      native.depthwiseConv2dBackpropFilter(x, dy, out.dw, shape);
      return out;
    };
    const before = native.vectorBits();
    try {
      const wide = run();
      native.vectorBits(256);
      const narrow = run();
      for (const key of ['y', 'dx', 'dw'] as const) {
        expectClose(wide[key], Float32Array.from(reference[key]), key, 2e-6);
        expect(new Uint32Array(wide[key].buffer), key).toEqual(new Uint32Array(narrow[key].buffer));
      }
    } finally {
      native.vectorBits(before as 256 | 512);
    }
  });

  /** A pooling reference: `reduce` of each window's values inside the image, in row-major order, per channel. */
  const poolReference = (shape: Shape15, x: Float32Array, reduce: (window: number[]) => number): Float32Array => {
    const [B, H, W, C, OH, OW, , FH, FW, SH, SW, , , PT, PL] = shape;
    const out = new Float32Array(B * OH * OW * C);
    for (let n = 0; n < B; n++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let c = 0; c < C; c++) {
            const window: number[] = [];
            for (let kh = 0; kh < FH; kh++)
              for (let kw = 0; kw < FW; kw++) {
                const [ih, iw] = [oh * SH - PT + kh, ow * SW - PL + kw];
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) window.push(x[((n * H + ih) * W + iw) * C + c]!);
              }
            out[((n * OH + oh) * OW + ow) * C + c] = reduce(window);
          }
    return out;
  };

  it.each<[string, Shape15]>([
    ['2x2 stride 2, 19 channels (8, 8 and 3 one by one)', [2, 8, 6, 19, 4, 3, 19, 2, 2, 2, 2, 1, 1, 0, 0]],
    ['3x3 stride 1 same (clipped windows: 4, 6 or 9 pixels), 19 channels', [2, 6, 7, 19, 6, 7, 19, 3, 3, 1, 1, 1, 1, 1, 1]],
    ['3x3 stride 1 same, 8 channels', [1, 5, 7, 8, 5, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1]],
    ['3x3 stride 2 same, odd sizes, 5 channels', [2, 7, 9, 5, 4, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1]],
  ])('maxPool and avgPool give the cpu backend bits: %s', (_, shape) => {
    const [B, H, W, C] = shape;
    // maxPool: NaN, infinities and signed zeros, some windows all NaN or all -Infinity.
    const forMax = Float32Array.from(values([B, H, W, C], 91), (v) => Math.round(v * 3) / 2);
    for (let i = 0; i < forMax.length; i += 7) forMax[i] = [Number.NaN, -0, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY][(i / 7) % 5]!;
    for (let c = 0; c < Math.min(C, 4); c++)
      for (let r = 0; r < 2; r++) for (let q = 0; q < 2; q++) forMax[(r * W + q) * C + c] = c < 2 ? Number.NaN : Number.NEGATIVE_INFINITY;
    // avgPool: values of very different magnitudes (a float32 sum would round differently), a NaN and an infinity.
    const forAvg = Float32Array.from(values([B, H, W, C], 93), (v, i) => v * (i % 3 === 0 ? 1e7 : 1));
    forAvg[3] = Number.NaN;
    forAvg[C + 4] = Number.POSITIVE_INFINITY;
    const kinds = [
      // The cpu backend's loop: a strictly greater value replaces the best so far, from -Infinity.
      ['maxPool', forMax, (window: number[]) => window.reduce((best, v) => (v > best ? v : best), Number.NEGATIVE_INFINITY)],
      // The cpu backend's JavaScript: a float64 sum in row-major order, divided by the count.
      ['avgPool', forAvg, (window: number[]) => window.reduce((sum, v) => sum + v, 0) / window.length],
    ] as const;
    for (const [name, x, reduce] of kinds) {
      const expected = poolReference(shape, x, reduce);
      const y = new Float32Array(expected.length).fill(Number.NaN);
      native[name](x, y, Int32Array.from(shape));
      expect(new Uint32Array(y.buffer), name).toEqual(new Uint32Array(expected.buffer));
      expect(() => native[name](x, y.subarray(1), Int32Array.from(shape))).toThrow(new RegExp(`${name}: y has`));
    }
  });

  it('maxPoolGrad of windows that tile the image writes every value of dx: the first maximum gets +0 + dy, the rest +0', () => {
    // 2x2 stride 2 on even sizes; 19 channels: two vectors of 8 and 3 one by one. Ties (zeros) and a -0 dy.
    const [B, H, W, C] = [2, 8, 6, 19];
    const [OH, OW] = [H / 2, W / 2];
    const x = Float32Array.from(values([B, H, W, C], 71), (v) => (v < 0 ? 0 : Math.round(v * 4)));
    const dy = values([B, OH, OW, C], 72);
    dy[5] = -0;
    const y = new Float32Array(B * OH * OW * C);
    const expected = new Float32Array(B * H * W * C);
    for (let n = 0; n < B; n++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let c = 0; c < C; c++) {
            const at = (r: number, q: number) => ((n * H + 2 * oh + r) * W + 2 * ow + q) * C + c;
            const o = ((n * OH + oh) * OW + ow) * C + c;
            let best = at(0, 0);
            for (const [r, q] of [
              [0, 1],
              [1, 0],
              [1, 1],
            ] as const)
              if (x[at(r, q)]! > x[best]!) best = at(r, q);
            y[o] = x[best]!;
            expected[best] = 0 + dy[o]!;
          }
    const shape = Int32Array.from([B, H, W, C, OH, OW, C, 2, 2, 2, 2, 1, 1, 0, 0]);
    for (const withY of [true, false]) {
      const dx = new Float32Array(B * H * W * C).fill(Number.NaN);
      native.maxPoolGrad(x, dy, dx, shape, withY ? y : null);
      expect(new Uint32Array(dx.buffer), `forward output given: ${withY}`).toEqual(new Uint32Array(expected.buffer));
    }
  });

  it('refuses arrays whose lengths do not match the shape, naming the kernel and the array', () => {
    const s = Int32Array.from(convShape(1, 4, 4, 2, 3, 3, 1, 1, 1));
    const x = new Float32Array(32);
    const w = new Float32Array(54);
    const y = new Float32Array(48);
    expect(() => native.conv2d(x, w, new Float32Array(47), s)).toThrow(/conv2d: y has 47 values, the shape needs 48/);
    expect(() => native.conv2dBackpropFilter(x, y, new Float32Array(3), s)).toThrow(/conv2dBackpropFilter: dw has 3 values/);
    expect(() => native.conv2d(x, w, y, Int32Array.from([1, 2, 3]))).toThrow(/shape must be an Int32Array of 15 values/);
    expect(() => native.conv2d(x, w, y, Int32Array.from(convShape(1, 4, 4, 2, 3, 3, 0, 1, 1)))).toThrow(/positive/);
    expect(() => native.conv2d(x, w, y, s, new Float32Array(2))).toThrow(/bias has 2 values/);
    expect(() => native.conv2d(x, w, y, s, null, 7)).toThrow(/activation must be an integer from 0 to 3/);
    expect(() => native.depthwiseConv2d(x, w, y, s)).toThrow(/multiple of input channels/);
    expect(() => native.copyBox(x, y, Int32Array.from([1, 32, 48, 30, 0, 5]))).toThrow(/does not fit/);
    expect(() => native.sumAdjacent(x, new Float32Array(4), 1, 7, 4)).toThrow(/x has 32 values, the shape needs 28/);
    expect(() => native.meanAdjacent(x, new Float32Array(4), 1, 8, 5)).toThrow(/meanAdjacent: x has 32 values, the shape needs 40/);
    expect(() => native.tile(x, new Float32Array(64), Int32Array.from([2, 4, 8, 2, 3]))).toThrow(/tile: array lengths do not match/);
    expect(() => native.tile(x, new Float32Array(64), Int32Array.from([2, 4, 8, 2]))).toThrow(/tile: shape must hold \[rank/);
    expect(() => native.tile(x, new Float32Array(0), Int32Array.from([1, 32, -1]))).toThrow(/tile: shape and reps must not be negative/);
    expect(() => native.setThreads(0)).toThrow(/from 1 to 16/);
    expect(() => (native.conv2d as (...args: unknown[]) => void)([1, 2], w, y, s)).toThrow(/x must be a Float32Array/);
  });
});
