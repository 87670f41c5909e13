import { env } from '@tensorflow/tfjs-core';

/** True when running in Node.js (not a browser, not a web worker). */
export function isNode(): boolean {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

/** tfjs-backend-wasm starts a fixed pool of 8 pthread workers; more threads cannot be used. */
export const MAX_WASM_THREADS = 8;

const THREADED_MODULE = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';

/**
 * Prepares Node.js so that the wasm backend, initialised right after this
 * call, starts `threads` XNNPACK threads. Three things stop it otherwise:
 *
 * 1. tfjs reports `WASM_HAS_MULTITHREAD_SUPPORT` false in Node, so it loads
 *    the single-threaded binary: the flag is set to true.
 * 2. Emscripten starts its pthread workers from a `blob:` URL (the worker
 *    source) and posts the main script as a `Blob`; `worker_threads` can open
 *    neither. While the backend starts, `globalThis.Worker` is a subclass of
 *    `worker_threads.Worker` that runs the same worker source with
 *    `eval: true` and passes the main script as a file path.
 * 3. The wasm module caps threads at half of `os.cpus().length` (meant for
 *    hyper-threaded desktops), which is 1 on a 2-core machine: `os.cpus` is
 *    widened during start-up.
 *
 * The workers are kept unreferenced so that Node exits when the main program
 * is done: every wasm call that uses them is synchronous on the main thread.
 *
 * @returns a function that restores `globalThis.Worker` and `os.cpus`; call
 *   it once the backend has been initialised.
 */
export async function prepareNodeThreads(threads: number): Promise<() => void> {
  const [{ Worker: NodeWorker }, { createRequire }, osModule] = await Promise.all([import('node:worker_threads'), import('node:module'), import('node:os')]);
  const os = osModule.default;
  // ESM: import.meta.url (a global __filename may exist, e.g. under `node -e`); the CJS build
  // turns import.meta into an empty object, and has __filename.
  const require = createRequire((import.meta as { url?: string }).url || __filename);
  const workerSource = (require(THREADED_WORKER) as { wasmWorkerContents: string }).wasmWorkerContents;
  // tfjs escapes newlines the same way before it builds its Blob: the source holds '\n' inside strings.
  const evalSource = workerSource.replace(/\n/g, '\\n');
  const mainScript = require.resolve(THREADED_MODULE);

  class WasmPthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: ConstructorParameters<typeof NodeWorker>[1]) {
      if (typeof url === 'string' && url.startsWith('blob:')) {
        super(evalSource, { ...options, eval: true });
      } else {
        super(url, options);
      }
      this.unref();
    }

    /** Emscripten refs a worker while it runs a pthread; these run only inside synchronous wasm calls. */
    override ref(): void {}

    override postMessage(message: unknown, transferList?: Parameters<InstanceType<typeof NodeWorker>['postMessage']>[1]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (load?.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        super.postMessage({ ...load, urlOrBlob: mainScript }, transferList);
        return;
      }
      super.postMessage(message, transferList);
    }
  }

  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  // Emscripten assigns `global.Worker = worker_threads.Worker` while it starts; keep ours in place.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => WasmPthreadWorker,
    set: () => {},
  });
  const cpus = os.cpus;
  const cores = Math.max(cpus().length, threads * 2);
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: cores }, (_, i) => real[i % real.length]!);
  };
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);

  return () => {
    os.cpus = cpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
}
