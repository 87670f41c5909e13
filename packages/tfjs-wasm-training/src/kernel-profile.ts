import { getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

/** Time spent in one kernel: `self` excludes the kernels it ran itself. */
export interface KernelTime {
  kernel: string;
  calls: number;
  totalMs: number;
  selfMs: number;
}

/**
 * Wraps every kernel registered for `backend` with a timer. Kernels run
 * synchronously on wasm and cpu, so wall time around the call is the kernel's
 * time; a stack separates a composite kernel's own time from its children's.
 * `tf.profile` lists nested kernels too but cannot tell them apart.
 */
export function profileKernels(backend: string): { report: () => KernelTime[]; reset: () => void; stop: () => void } {
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
