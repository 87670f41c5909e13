/**
 * Zero-cost proxies: scores of an untrained network, computed from one batch,
 * that some NAS papers use to rank architectures without training them. Here
 * they are measured against the retrained accuracies the quality benchmark
 * recorded (`proxies-main.ts`), to see whether they could stand in for the
 * supernet's ranking.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `log |det K|` of a symmetric positive semi-definite `n` x `n` matrix (row
 * major, float64) by Cholesky; `-Infinity` where `K` is singular (a pivot not
 * above `1e-12` times the largest diagonal value).
 */
export function logDeterminant(k: Float64Array, n: number): number {
  if (k.length !== n * n) throw new RangeError(`logDeterminant: expected ${n * n} values, got ${k.length}`);
  const a = Float64Array.from(k);
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(a[i * n + i]!));
  let sum = 0;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= a[j * n + p]! ** 2;
    if (!(d > 1e-12 * largest)) return Number.NEGATIVE_INFINITY;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    sum += Math.log(l);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[i * n + p]! * a[j * n + p]!;
      a[i * n + j] = s / l;
    }
  }
  return 2 * sum;
}

/**
 * NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML
 * 2021): the log-determinant of the kernel `K[i][j]` = the number of ReLU
 * units on which images `i` and `j` agree (both active or both inactive),
 * summed over every `ReLU` layer of `model`, for the batch `inputs` (batch
 * norm on the batch's statistics, as in training). Higher: the untrained
 * network separates the images more.
 */
export function naswotScore(model: tf.LayersModel, inputs: tf.Tensor4D): number {
  const relus = model.layers.filter((l) => l.getClassName() === 'ReLU');
  if (relus.length === 0) throw new RangeError(`naswotScore: model '${model.name}' has no ReLU layer`);
  const n = inputs.shape[0];
  const probe = tf.model({ inputs: model.inputs, outputs: relus.map((l) => l.output as tf.SymbolicTensor) });
  const k = new Float64Array(n * n);
  const outputs = probe.apply(inputs, { training: true }) as tf.Tensor | tf.Tensor[];
  try {
    for (const o of Array.isArray(outputs) ? outputs : [outputs]) {
      const agree = tf.tidy(() => {
        const active = tf.cast(tf.greater(tf.reshape(o, [n, -1]), 0), 'float32');
        const inactive = tf.sub(1, active);
        return tf.add(tf.matMul(active, active, false, true), tf.matMul(inactive, inactive, false, true));
      });
      const values = agree.dataSync();
      agree.dispose();
      for (let i = 0; i < n * n; i++) k[i] = k[i]! + values[i]!;
    }
  } finally {
    tf.dispose(outputs);
  }
  return logDeterminant(k, n);
}

/**
 * The Euclidean norm of the gradient of the mean softmax cross-entropy of
 * `model` (logits out) on one batch with respect to all its trainable
 * weights, at their current (initial) values, batch norm in training mode.
 */
export function gradientNorm(model: tf.LayersModel, inputs: tf.Tensor4D, oneHotLabels: tf.Tensor2D): number {
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(oneHotLabels, model.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar,
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  try {
    const squares = Object.values(grads).map((g) => tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]!));
    return Math.sqrt(squares.reduce((a, b) => a + b, 0));
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}
