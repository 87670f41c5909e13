/**
 * The page's choice of TensorFlow.js backend, in the worker: WebGPU, then
 * WebGL, then wasm (SIMD where the browser has it; threads where the page is
 * cross-origin isolated), then cpu. Each candidate that cannot run says why.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The backends the page knows, fastest first. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** One of {@link BROWSER_BACKENDS}. */
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** What happened to one candidate. */
export interface BackendAttempt {
  readonly backend: BrowserBackend;
  readonly outcome: 'selected' | 'skipped';
  readonly reason: string;
}

/** The backend started, why, and what was tried before it. */
export interface StartedBackend {
  readonly backend: BrowserBackend;
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  /** What the run records about its numbers' environment (checked on resume). */
  readonly environment: Readonly<Record<string, string | number | boolean>>;
}

class Unavailable extends Error {}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
  hardwareConcurrency?: number;
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new Unavailable(`the ${name} backend failed to start: ${(error as Error).message}`);
  }
  if (!ok) throw new Unavailable(`the ${name} backend failed to start`);
  await tf.ready();
}

function hasWebGl(): boolean {
  if (typeof OffscreenCanvas === 'undefined') return false;
  try {
    const canvas = new OffscreenCanvas(1, 1);
    return (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) !== null;
  } catch {
    return false;
  }
}

/** Threads for the wasm backend: half the cores (the browser's cap), at most 4, and 1 unless the page is cross-origin isolated. */
export function wasmThreads(crossOriginIsolated: boolean, cores: number | undefined): number {
  if (!crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, Math.floor((cores ?? 2) / 2)));
}

async function start(backend: BrowserBackend, wasmBaseUrl: string): Promise<{ reason: string; environment: Record<string, string | number | boolean> }> {
  const nav = (globalThis as { navigator?: GpuNavigator }).navigator;
  switch (backend) {
    case 'webgpu': {
      if (!nav?.gpu) throw new Unavailable('this browser has no WebGPU (navigator.gpu is missing; it needs a recent Chrome or Edge, and a secure page)');
      const adapter = await nav.gpu.requestAdapter().catch(() => null);
      if (adapter == null) throw new Unavailable('WebGPU is there but gives no adapter (no usable GPU or driver, or it is blocked)');
      await import('@tensorflow/tfjs-backend-webgpu');
      await activate('webgpu');
      return { reason: 'a WebGPU adapter is available', environment: {} };
    }
    case 'webgl': {
      if (!hasWebGl()) throw new Unavailable('no WebGL context in a worker (WebGL is off, blocked, or the GPU is unavailable)');
      await import('@tensorflow/tfjs-backend-webgl');
      await activate('webgl');
      return { reason: `WebGL ${tf.env().getNumber('WEBGL_VERSION')} on OffscreenCanvas`, environment: {} };
    }
    case 'wasm': {
      if (typeof WebAssembly !== 'object') throw new Unavailable('this browser has no WebAssembly');
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmBaseUrl.endsWith('/') ? wasmBaseUrl : `${wasmBaseUrl}/`);
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      const threads = wasmThreads(isolated, nav?.hardwareConcurrency);
      const { setupWasmTraining } = await import('@asng/tfjs-wasm-training');
      try {
        await setupWasmTraining({ threads, native: false });
      } catch (error) {
        throw new Unavailable(`the wasm backend failed to start: ${(error as Error).message}`);
      }
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      const why = isolated ? '' : ' (one thread: the page is not cross-origin isolated)';
      return { reason: `WebAssembly, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread(s)${why}`, environment: { threads, simd } };
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      return { reason: 'plain JavaScript (slow)', environment: {} };
    }
  }
}

/**
 * Starts `choice`, or with `'auto'` the first of {@link BROWSER_BACKENDS}
 * that works. A forced backend that cannot start throws with the reason.
 *
 * @param wasmBaseUrl - where the page serves the tfjs `.wasm` files.
 */
export async function startBackend(choice: BrowserBackend | 'auto', wasmBaseUrl: string): Promise<StartedBackend> {
  const order: readonly BrowserBackend[] = choice === 'auto' ? BROWSER_BACKENDS : [choice];
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    try {
      const { reason, environment } = await start(backend, wasmBaseUrl);
      attempts.push({ backend, outcome: 'selected', reason });
      return { backend, reason, attempts, environment };
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      attempts.push({ backend, outcome: 'skipped', reason: error.message });
    }
  }
  const summary = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(choice === 'auto' ? `No TensorFlow.js backend can run in this browser (${summary}).` : `The ${choice} backend cannot run here: ${summary}.`);
}
