import * as tf from '@tensorflow/tfjs-core';

/**
 * What, besides the seed and the settings, affects a search's numbers: the
 * TensorFlow.js backend and version, which the engine records itself, and
 * whatever the caller adds through `SearchOptions.environment` (thread
 * count, native kernels on or off, versions of the backend packages). Plain
 * JSON, flat: each key one fact.
 */
export type RunEnvironment = Readonly<Record<string, string | number | boolean>>;

/**
 * The environment of this process: `backend` (`tf.getBackend()`),
 * `@tensorflow/tfjs-core` (its version) and, on the wasm backend, `threads`
 * (its thread count), then the caller's `extra` entries, which win over these.
 */
export function currentEnvironment(extra: RunEnvironment = {}): RunEnvironment {
  const threads = backendThreads();
  return { backend: tf.getBackend(), '@tensorflow/tfjs-core': tf.version_core, ...(threads !== undefined ? { threads } : {}), ...extra };
}

/**
 * The thread count of the active backend where tfjs exposes it: the wasm
 * backend keeps it on its module (`wasm.tfjs.getThreadsCount`), read here
 * without depending on `@tensorflow/tfjs-backend-wasm`.
 */
function backendThreads(): number | undefined {
  const backend = tf.backend() as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  try {
    const threads = backend.wasm?.tfjs?.getThreadsCount?.();
    return typeof threads === 'number' && Number.isSafeInteger(threads) && threads > 0 ? threads : undefined;
  } catch {
    return undefined;
  }
}

/** What differs between the environment a run was saved with and this one, one phrase per key (`threads: saved 2, now 1`); empty if none. */
export function environmentDifferences(saved: RunEnvironment, now: RunEnvironment): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  const show = (v: RunEnvironment[string] | undefined) => (v === undefined ? 'not recorded' : JSON.stringify(v));
  return keys.filter((k) => saved[k] !== now[k]).map((k) => `${k}: saved ${show(saved[k])}, now ${show(now[k])}`);
}

/**
 * Thrown by `resumeSearch` when the run was saved in another environment
 * (another backend, thread count, native-kernel setting or package version),
 * so its numbers would not continue exactly; `acceptEnvironmentChange: true`
 * resumes anyway.
 */
export class EnvironmentChangeError extends Error {
  constructor(
    /** The checkpoint resumed. */
    readonly path: string,
    /** What differs, one phrase per key, as {@link environmentDifferences} writes them. */
    readonly differences: readonly string[],
  ) {
    super(
      `${path}: the run was saved in another environment (${differences.join('; ')}), so resuming would not continue its numbers exactly; ` +
        'resume in the saved environment, or pass acceptEnvironmentChange: true to continue anyway',
    );
    this.name = 'EnvironmentChangeError';
  }
}
