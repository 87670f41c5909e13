/**
 * `bench:gpu --check`: the same numbers as the cpu backend (bench:train's
 * loss and gradients) and as the engine on wasm (the search's first two
 * iterations).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@asng/backend-select';
import { runSearch } from '@asng/engine';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { type BenchSizes, log } from './bench-gpu-common.ts';
import { randomDataset, type SearchTraceEntry } from './bench-gpu-search.ts';
import { trainLossAndGrads } from './bench-gpu-train.ts';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/**
 * Compares bench:train's loss and gradients (batch 2) with the cpu backend's,
 * and the first two iterations of the search (training loss, the two
 * validation losses and the gradient norm of each, from `searchTrace`) with
 * `runSearch` on wasm, same seeds; `total` is the step count the search ran
 * with. Switches back to the webgpu backend when done.
 */
export async function check(sizes: BenchSizes, searchTrace: readonly SearchTraceEntry[], total: number) {
  const { cells, channels, searchBatch } = sizes;
  const started = performance.now();
  const onGpu = await trainLossAndGrads();
  await tf.setBackend('cpu');
  try {
    const onCpu = await trainLossAndGrads();
    let gradient = 0;
    onCpu.grads.forEach((g, i) => {
      const scale = Math.max(...g.map(Math.abs), 1e-12);
      onGpu.grads[i]!.forEach((v, j) => {
        gradient = Math.max(gradient, Math.abs(v - g[j]!) / scale);
      });
    });
    const train = { webgpuLoss: onGpu.loss, cpuLoss: onCpu.loss, lossRelativeDifference: relative(onGpu.loss, onCpu.loss), gradientMaxDifference: gradient };
    log(
      `check, bench:train net: loss webgpu ${onGpu.loss} cpu ${onCpu.loss}; largest gradient difference ${gradient.toExponential(2)} of each gradient's largest value (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    let search: { compared: number; webgpu: number[]; wasm: number[]; maxRelativeDifference: number } | undefined;
    if (searchTrace.length >= 2) {
      // The engine on wasm (the cpu backend takes a minute for these two iterations).
      await selectBackend({ backend: 'wasm', wasmThreads: 'auto' });
      const engine: number[] = [];
      const controller = new AbortController();
      const dir = mkdtempSync(join(tmpdir(), 'asng-bench-gpu-check-'));
      try {
        await runSearch({
          space: createImageClassificationSpace({ cells, channels }),
          dataset: randomDataset(2 * searchBatch * total),
          runDir: dir,
          config: { seed: 0, batchSize: searchBatch, steps: total, evaluationBatches: 0, checkpointMinutes: 1e6 },
          signal: controller.signal,
          onStep: (event) => {
            engine.push(event.trainLoss, ...event.validationLosses, event.gradientNorm);
            if (event.step >= 2) controller.abort();
          },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const webgpu = searchTrace.slice(0, 2).flatMap((t) => [t.trainLoss, ...t.validationLosses, t.gradientNorm]);
      const maxRelativeDifference = Math.max(...webgpu.map((v, i) => relative(v, engine[i]!)));
      search = { compared: 2, webgpu, wasm: engine, maxRelativeDifference };
      log(
        `check, search: first 2 iterations' training loss, validation losses and gradient norm, webgpu ${webgpu.map((v) => v.toFixed(5)).join(' ')}; wasm ${engine.map((v) => v.toFixed(5)).join(' ')} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    const ok = train.lossRelativeDifference < 1e-3 && train.gradientMaxDifference < 1e-3 && (search === undefined || search.maxRelativeDifference < 1e-3);
    return { ok, tolerance: 1e-3, train, ...(search ? { search } : {}) };
  } finally {
    await tf.setBackend('webgpu');
  }
}
