import { getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

/** Time spent in one kernel: `self` excludes the kernels it ran itself. */
export interface KernelTime {
  /** The kernel's name, e.g. `Conv2D`. */
  kernel: string;
  /** How many times it ran. */
  calls: number;
  /** Milliseconds inside it, including the kernels it ran itself. */
  totalMs: number;
  /** Milliseconds inside it, excluding the kernels it ran itself. */
  selfMs: number;
}

/** A running {@link profileKernels} session. */
export interface KernelProfiler {
  /** Kernels sorted by self time, largest first. */
  report: () => KernelTime[];
  /** Forgets what was measured so far. */
  reset: () => void;
  /** Puts the original kernels back. */
  stop: () => void;
}

/**
 * Wraps every kernel registered for `backend` with a timer, to see where a
 * training step spends its time. Kernels run
 * synchronously on wasm and cpu, so wall time around the call is the kernel's
 * time; a stack separates a composite kernel's own time from its children's.
 * `tf.profile` lists nested kernels too but cannot tell them apart. Call it
 * after the backend's kernels are registered (after `setupWasmTraining`).
 */
export function profileKernels(backend: string): KernelProfiler {
  const times = new Map<string, KernelTime>();
  const childTime: number[] = [];
  const originals: KernelConfig[] = getKernelsForBackend(backend);
  for (const config of originals) {
    unregisterKernel(config.kernelName, backend);
    registerKernel({
      ...config,
      kernelFunc: (args) => {
        childTime.push(0);
        const start = performance.now();
        const out = config.kernelFunc(args);
        const elapsed = performance.now() - start;
        const children = childTime.pop()!;
        if (childTime.length > 0) childTime[childTime.length - 1]! += elapsed;
        const entry = times.get(config.kernelName) ?? { kernel: config.kernelName, calls: 0, totalMs: 0, selfMs: 0 };
        entry.calls++;
        entry.totalMs += elapsed;
        entry.selfMs += elapsed - children;
        times.set(config.kernelName, entry);
        return out;
      },
    });
  }
  return {
    report: () => [...times.values()].sort((a, b) => b.selfMs - a.selfMs),
    reset: () => times.clear(),
    stop: () => {
      for (const config of originals) {
        unregisterKernel(config.kernelName, backend);
        registerKernel(config);
      }
    },
  };
}

/**
 * A {@link KernelProfiler.report} as a text table per step: calls, self and
 * total milliseconds, and the self time's share of `stepMs`. Rows under
 * 0.05 ms per step are left out.
 */
export function formatKernelProfile(rows: KernelTime[], steps: number, stepMs: number): string {
  const lines = ['kernel                                  calls/step   self ms/step   share   total ms/step'];
  for (const r of rows) {
    const self = r.selfMs / steps;
    if (self < 0.05) continue;
    lines.push(
      `${r.kernel.padEnd(40)}${(r.calls / steps).toFixed(0).padStart(10)}${self.toFixed(1).padStart(15)}` +
        `${((100 * self) / stepMs).toFixed(1).padStart(7)}%${(r.totalMs / steps).toFixed(1).padStart(16)}`,
    );
  }
  return lines.join('\n');
}
