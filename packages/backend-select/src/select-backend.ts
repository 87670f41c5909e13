import { getBackend, setBackend } from '@tensorflow/tfjs-core';

/**
 * The backends {@link selectBackend} knows, fastest first:
 * - `'node-gpu'`: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA);
 * - `'node'`: `@tensorflow/tfjs-node` (libtensorflow on the CPU);
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm` with `@asng/tfjs-wasm-training`'s
 *   gradient kernels;
 * - `'webgpu'`: `@tensorflow/tfjs-backend-webgpu`, in Node through the
 *   `webgpu` package (Dawn), where a GPU adapter exists;
 * - `'cpu'`: `@tensorflow/tfjs-backend-cpu` (plain JavaScript, slow).
 */
export type BackendChoice = 'node-gpu' | 'node' | 'wasm' | 'webgpu' | 'cpu';

/** The order {@link selectBackend} tries backends in when none is forced. */
export const BACKEND_PREFERENCE: readonly BackendChoice[] = ['node-gpu', 'node', 'wasm', 'webgpu', 'cpu'];

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Use this backend and no other: selection fails (throws) if it cannot start.
   * @default 'auto'
   */
  backend?: BackendChoice | 'auto';
  /**
   * The backends to try, in order, when `backend` is `'auto'`.
   * @default BACKEND_PREFERENCE
   */
  candidates?: readonly BackendChoice[];
  /**
   * Threads of the wasm backend, passed to `setupWasmTraining`.
   * @default 1
   */
  wasmThreads?: number | 'auto';
  /**
   * How a package is loaded, `(specifier) => import(specifier)` by default.
   * Supply your own to hand over modules a bundler has resolved, or to
   * simulate an environment.
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** What happened to one candidate backend. */
export interface BackendAttempt {
  backend: BackendChoice;
  /** `'selected'`, or `'skipped'` when it cannot run here. */
  outcome: 'selected' | 'skipped';
  /** Why it was selected or skipped, in words. */
  reason: string;
}

/** The result of {@link selectBackend}. */
export interface BackendSelection {
  /** The backend chosen. */
  backend: BackendChoice;
  /** The name tfjs knows it by (`tf.getBackend()`): `'tensorflow'`, `'wasm'`, `'webgpu'` or `'cpu'`. */
  tfjsName: string;
  /** Why it was chosen. */
  reason: string;
  /** Every candidate tried, in order, with its outcome. */
  attempts: BackendAttempt[];
  /**
   * Set when `'auto'` fell back to the slow `cpu` backend because faster
   * backend packages are not installed (for example after
   * `npm install --legacy-peer-deps`): the command that installs one.
   */
  advice?: string;
}

/** A candidate that cannot run here; its message is the reason reported. */
class Unavailable extends Error {}

const defaultImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

/** True when an import failed because the package is not installed (Node, bundlers and vite phrase it differently). */
function isNotInstalled(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  return typeof message === 'string' && message.includes(specifier) && /cannot find|could not resolve|failed to (load|resolve)|not found/i.test(message);
}

async function load(importModule: (s: string) => Promise<unknown>, specifier: string): Promise<unknown> {
  try {
    return await importModule(specifier);
  } catch (error) {
    if (isNotInstalled(error, specifier)) throw new Unavailable(`${specifier} is not installed`);
    throw new Unavailable(`${specifier} failed to load: ${(error as Error)?.message ?? String(error)}`);
  }
}

async function activate(tfjsName: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await setBackend(tfjsName);
  } catch (error) {
    throw new Unavailable(`the '${tfjsName}' backend failed to start: ${(error as Error).message}`);
  }
  if (!ok) throw new Unavailable(`the '${tfjsName}' backend failed to start`);
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter: () => Promise<unknown> };
}

/** Gives Node a `navigator.gpu` from the `webgpu` package unless the platform has one. */
async function webgpuNavigator(importModule: (s: string) => Promise<unknown>): Promise<NavigatorWithGpu> {
  const existing = (globalThis as { navigator?: NavigatorWithGpu }).navigator;
  if (existing?.gpu) return existing;
  const dawn = (await load(importModule, 'webgpu')) as {
    create: (flags: string[]) => NavigatorWithGpu['gpu'];
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  if (existing) {
    Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true });
    return existing;
  }
  const navigator = { gpu };
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  return navigator;
}

/** Starts one candidate; returns the reason it was selected or throws {@link Unavailable}. */
async function start(
  backend: BackendChoice,
  importModule: (s: string) => Promise<unknown>,
  wasmThreads: number | 'auto',
): Promise<{ tfjsName: string; reason: string }> {
  switch (backend) {
    case 'node-gpu':
    case 'node': {
      const specifier = backend === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await load(importModule, specifier);
      await activate('tensorflow');
      return {
        tfjsName: 'tensorflow',
        reason: `${specifier} loaded (native libtensorflow${backend === 'node-gpu' ? ' with CUDA' : ''})`,
      };
    }
    case 'wasm': {
      await load(importModule, '@tensorflow/tfjs-backend-wasm');
      const training = (await load(importModule, '@asng/tfjs-wasm-training')) as {
        setupWasmTraining: (options: { threads: number | 'auto' }) => Promise<{
          threads: number;
          native?: { used: boolean; reason?: string; vectorBits?: number };
        }>;
      };
      try {
        const { threads, native } = await training.setupWasmTraining({ threads: wasmThreads });
        const kernels = native?.used
          ? `native ${native.vectorBits === 512 ? 'AVX-512' : 'AVX2'} training kernels`
          : `training kernels${native?.reason ? ` (no native kernels: ${native.reason})` : ''}`;
        return { tfjsName: 'wasm', reason: `wasm (XNNPACK) with ${kernels}, ${threads} thread(s)` };
      } catch (error) {
        throw new Unavailable(`the wasm backend failed to start: ${(error as Error).message}`);
      }
    }
    case 'webgpu': {
      const navigator = await webgpuNavigator(importModule);
      let adapter: unknown = null;
      try {
        adapter = await navigator.gpu!.requestAdapter();
      } catch (error) {
        throw new Unavailable(`requesting a WebGPU adapter failed: ${(error as Error).message}`);
      }
      if (adapter == null) throw new Unavailable('no WebGPU adapter (no GPU, or no Vulkan/Metal/D3D12 driver)');
      await load(importModule, '@tensorflow/tfjs-backend-webgpu');
      await activate('webgpu');
      return { tfjsName: 'webgpu', reason: 'a WebGPU adapter is available' };
    }
    case 'cpu': {
      await load(importModule, '@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      return { tfjsName: 'cpu', reason: 'the plain JavaScript cpu backend (slow for training)' };
    }
    default:
      throw new RangeError(`Unknown backend '${String(backend)}'; expected one of ${BACKEND_PREFERENCE.join(', ')}.`);
  }
}

/**
 * Picks and activates the fastest TensorFlow.js backend that works here:
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`, then wasm with
 * the training kernels of `@asng/tfjs-wasm-training`, then WebGPU where an
 * adapter exists, then `cpu`. Every backend package is an optional peer
 * dependency: one that is not installed, or fails to load (missing
 * libtensorflow, CUDA libraries, GPU), is skipped with the reason recorded.
 *
 * Register tfjs-core's gradients yourself if you train (`@tensorflow/tfjs`
 * does, or import `@tensorflow/tfjs-core/dist/register_all_gradients`).
 *
 * @example
 * ```ts
 * const { backend, reason, attempts } = await selectBackend();
 * console.log(`training on ${backend}: ${reason}`);
 * await selectBackend({ backend: 'wasm', wasmThreads: 2 }); // forced
 * ```
 * @throws if a forced backend cannot start, or no candidate can.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const { backend = 'auto', candidates = BACKEND_PREFERENCE, wasmThreads = 1, importModule = defaultImport } = options;
  const forced = backend !== 'auto';
  const order = forced ? [backend] : candidates;
  const attempts: BackendAttempt[] = [];
  for (const candidate of order) {
    try {
      const { tfjsName, reason } = await start(candidate, importModule, wasmThreads);
      const skipped = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
      const why = forced ? `forced: ${reason}` : candidate === 'cpu' && skipped ? `${reason}; the faster ones were skipped: ${skipped}` : reason;
      attempts.push({ backend: candidate, outcome: 'selected', reason: why });
      const advice = !forced && candidate === 'cpu' ? installAdvice(attempts) : undefined;
      return { backend: candidate, tfjsName: getBackend() ?? tfjsName, reason: why, attempts, ...(advice ? { advice } : {}) };
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      attempts.push({ backend: candidate, outcome: 'skipped', reason: error.message });
    }
  }
  const summary = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(forced ? `The forced backend '${backend}' cannot run here (${summary}).` : `No TensorFlow.js backend can run here (${summary}).`);
}

/** The packages that give a faster backend than cpu everywhere (wasm) and natively (libtensorflow), when they are missing. */
function installAdvice(attempts: readonly BackendAttempt[]): string | undefined {
  const missing = (backend: BackendChoice) => attempts.some((a) => a.backend === backend && a.outcome === 'skipped' && a.reason.endsWith(' is not installed'));
  if (!missing('wasm')) return undefined;
  const native = missing('node') ? ' (or @tensorflow/tfjs-node, native libtensorflow on linux, macOS and Windows x64)' : '';
  return `for a faster backend: npm install @tensorflow/tfjs-backend-wasm${native}`;
}
