import { isNode } from './node-threads.js';

/**
 * The native addon's functions (`native/*.c`). Every array is a view of
 * the wasm heap; `shape` is `[batch, inHeight, inWidth, inChannels, outHeight,
 * outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth,
 * dilationHeight, dilationWidth, padTop, padLeft]`. Lengths are checked
 * against the shape in C.
 */
export interface NativeAddon {
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, shape: Int32Array, bias?: Float32Array | null, activation?: number, alpha?: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array): void;
  /** `shape`'s output channels are input channels times the multiplier. */
  depthwiseConv2d(x: Float32Array, filter: Float32Array, y: Float32Array, shape: Int32Array): void;
  depthwiseConv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: Int32Array): void;
  depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array): void;
  /**
   * Max pooling (`shape` as for a convolution with equal input and output channels), the cpu
   * backend's rule: each window's first strictly greatest value from -Infinity (NaN never
   * wins); pixels outside the image are not part of a window.
   */
  maxPool(x: Float32Array, y: Float32Array, shape: Int32Array): void;
  /**
   * Average pooling, the cpu backend's bits: the pixels of each window inside the image
   * summed in float64 in row-major order, divided by their count in float64, rounded once.
   */
  avgPool(x: Float32Array, y: Float32Array, shape: Int32Array): void;
  /** `shape` as for a convolution with equal input and output channels; `y` is the forward output. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, shape: Int32Array, y?: Float32Array | null): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, shape: Int32Array): void;
  /** `out[o][i] = sum over r of x[o][r][i]`. */
  sumAdjacent(x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void;
  /** `out[o][i] = (sum over r of x[o][r][i]) / reduced`, summed and divided in float64. */
  meanAdjacent(x: Float32Array, out: Float32Array, outer: number, reduced: number, inner: number): void;
  normalizeBatch(x: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, channels: number, epsilon: number): void;
  normalizeBatchGrad(dy: Float32Array, y: Float32Array, variance: Float32Array, dx: Float32Array, channels: number, epsilon: number): void;
  /**
   * Copies a box of 4-byte values: `box` is `[rank, ...srcShape, ...dstShape,
   * ...srcBegin, ...dstBegin, ...size]` (rank 1 to 8).
   */
  copyBox(src: Float32Array | Int32Array, dst: Float32Array | Int32Array, box: Int32Array): void;
  /**
   * Repeats `src` `reps[a]` times along each axis a into `dst` (4-byte
   * values): `shape` is `[rank, ...srcShape, ...reps]` (rank 1 to 8).
   */
  tile(src: Float32Array | Int32Array, dst: Float32Array | Int32Array, shape: Int32Array): void;
  /** Sets every value (float32 value, or int32 bits). */
  fill(dst: Float32Array | Int32Array, value: number): void;
  /** `dx = dy * step(x)`. */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /**
   * `dx = dy * step(y)` and `dbias[c]` = the sum of `dx` over its rows
   * (`dbias.length` channels a row), in one pass: the bits of `reluGrad`
   * then `sumAdjacent(dx, dbias, 1, rows, channels)`.
   */
  reluBiasGrad(dy: Float32Array, y: Float32Array, dx: Float32Array, dbias: Float32Array): void;
  /** `y = max(x, 0)`: NaN stays NaN, -0 becomes +0 (as the wasm backend's `Relu`). */
  relu(x: Float32Array, y: Float32Array): void;
  /** `out[i] = a[i] + b[i % b.length]`: `b` of `a`'s length, or a divisor of it (a bias along the last axis). */
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  setThreads(threads: number): number;
  getThreads(): number;
  supported(): boolean;
  /**
   * The vector width of the convolution kernels: 512 (AVX-512F) or 256
   * (AVX2). With an argument, sets it first: 256 forces AVX2, 0 or 512 the
   * widest this CPU has (the default). Both widths give the same bits.
   */
  vectorBits(bits?: 0 | 256 | 512): number;
  /**
   * Whether 3x3 convolutions of stride 1 without dilation (8 channels or
   * more in and out) run by Winograd F(2x2, 3x3): their forward pass and
   * input gradient with 16 multiplications per 2x2 outputs where the direct
   * product takes 36 (the default: true). With an argument, sets it first.
   * The two round differently (within float32 rounding of each other).
   */
  winograd(on?: boolean): boolean;
  version: number;
}

/** Whether the native kernels could be loaded, and why not. */
export interface NativeKernelsStatus {
  /** True when the addon loaded and this CPU runs it (x86-64 with AVX2 and FMA). */
  available: boolean;
  /** The addon's path, when one was found. */
  path?: string;
  /** Why they are unavailable. */
  reason?: string;
  /**
   * The convolution kernels' vector width, when available: 512 where the CPU
   * has AVX-512F, else 256 (AVX2); the same bits either way.
   */
  vectorBits?: number;
}

/** The addon version this code speaks to; a stale build is refused, not half used. */
/**
 * 4: every sum split over threads is combined in a fixed order, so results no longer depend on timing.
 * 5: AVX-512 convolution tiles where the CPU has them, `vectorBits`, `relu`, `add`.
 * 6: `tile`, `meanAdjacent`.
 * 7: Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (forward and input gradient), `winograd`.
 * 8: `reluBiasGrad`; the convolutions' relu keeps NaN (as the `Relu` kernels).
 * 9: `maxPool`, `avgPool`.
 */
const ADDON_VERSION = 9;

let cached: { addon?: NativeAddon; status: NativeKernelsStatus } | undefined;

/**
 * Loads the optional native kernels once: `prebuilds/<platform>-<arch>/asng-kernels.node`
 * in this package, built by its install script (`node native/build.mjs`)
 * where a C compiler exists. Never throws: the reason is reported instead.
 */
export async function loadNativeKernels(): Promise<{ addon?: NativeAddon; status: NativeKernelsStatus }> {
  if (cached !== undefined) return cached;
  cached = await tryLoad();
  return cached;
}

async function tryLoad(): Promise<{ addon?: NativeAddon; status: NativeKernelsStatus }> {
  if (!isNode()) return { status: { available: false, reason: 'native kernels run in Node.js only' } };
  const [{ createRequire }, { existsSync }, path, { fileURLToPath }] = await Promise.all([
    import('node:module'),
    import('node:fs'),
    import('node:path'),
    import('node:url'),
  ]);
  // ESM: import.meta.url (a global __filename may exist, e.g. under `node -e`); the CJS build
  // turns import.meta into an empty object, and has __filename.
  const moduleUrl = (import.meta as { url?: string }).url;
  const here = moduleUrl ? fileURLToPath(moduleUrl) : __filename;
  // src/ and dist/ both sit one level below the package root.
  const root = path.dirname(path.dirname(here));
  const file = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'asng-kernels.node');
  if (!existsSync(file)) {
    return {
      status: {
        available: false,
        reason: `no native kernels built for ${process.platform}-${process.arch} (${file}); run "node native/build.mjs" in @asng/tfjs-wasm-training with a C compiler`,
      },
    };
  }
  try {
    const addon = createRequire(here)(file) as NativeAddon;
    if (addon.version !== ADDON_VERSION) {
      return {
        status: {
          available: false,
          path: file,
          reason: `stale native kernels (version ${addon.version}, expected ${ADDON_VERSION}): rebuild with "node native/build.mjs --force"`,
        },
      };
    }
    if (!addon.supported()) {
      return { status: { available: false, path: file, reason: 'this CPU lacks AVX2/FMA' } };
    }
    return { addon, status: { available: true, path: file, vectorBits: addon.vectorBits() } };
  } catch (error) {
    return { status: { available: false, path: file, reason: `loading ${file} failed: ${(error as Error).message}` } };
  }
}
