/**
 * `bench:gpu`, part (a): `bench:train`'s training step (the issue's net,
 * SGD) timed on the active backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchOf, benchmarkNet, initWeights } from '../packages/tfjs-wasm-training/test/nets.js';
import { type BenchSizes, log, type PartResult, stats, unsupportedFrom } from './bench-gpu-common.ts';

/**
 * Times `sizes.iterations` training steps of bench:train's net (batch
 * `sizes.trainBatch`, SGD 0.01) after `sizes.warmup` untimed ones, with the
 * live tensor count after each; on an error, the error and what it found
 * missing on the backend.
 */
export async function trainBenchmark(sizes: BenchSizes): Promise<PartResult & { batch: number }> {
  const { iterations, warmup, trainBatch } = sizes;
  const net = benchmarkNet(32);
  const weights = initWeights(net);
  const { x, labels } = batchOf(trainBatch, 32, 32);
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const loss = optimizer.minimize(() => net.loss(weights, x, labels), true)!;
    await loss.data();
    loss.dispose();
  };
  const times: number[] = [];
  const numTensors: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await step();
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await step();
      times.push((performance.now() - start) / 1000);
      numTensors.push(tf.memory().numTensors);
      log(`train step ${i + 1}/${iterations}: ${times.at(-1)!.toFixed(3)} s, ${numTensors.at(-1)} tensors`);
    }
    return { batch: trainBatch, secondsPerStep: stats(times), times, numTensors };
  } catch (error) {
    return { batch: trainBatch, error: (error as Error).message, unsupported: unsupportedFrom(error) };
  } finally {
    optimizer.dispose();
    tf.dispose([x, labels, ...Object.values(weights)]);
  }
}

/** Loss and gradients of bench:train's net on a batch of 2 (the cpu backend takes 5 s an example), on the active backend. */
export async function trainLossAndGrads(): Promise<{ loss: number; grads: Float32Array[] }> {
  const net = benchmarkNet(32);
  const weights = initWeights(net);
  const { x, labels } = batchOf(2, 32, 32);
  const { value, grads } = tf.variableGrads(() => net.loss(weights, x, labels));
  const loss = (await value.data())[0]!;
  const out: Float32Array[] = [];
  for (const v of Object.values(weights)) out.push((await grads[v.name]!.data()) as Float32Array);
  tf.dispose([value, ...Object.values(grads), x, labels, ...Object.values(weights)]);
  return { loss, grads: out };
}
