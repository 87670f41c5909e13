import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@asng/backend-select';
import { Rng } from '@asng/core';
import { randomArchitecture } from '@asng/testing';
import { createImageClassificationSpace } from '@asng/space-image-classification';
await selectBackend({ backend: 'wasm' as 'auto', wasmThreads: 2 });
const task = { inputShape: [28, 28, 1] as [number, number, number], classes: 10 };
for (const [name, opts] of [['plain8', { cells: 3, channels: 8 }], ['bw-c8-huge', { cells: 3, channels: 8, parameterBudget: 10000000 }]] as const) {
  const space = createImageClassificationSpace(opts as never);
  const net = space.createSupernet(task, new Rng(1));
  const rng = new Rng(2);
  const inputs = tf.randomUniform([64, 28, 28, 1]) as tf.Tensor4D;
  const targets = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), 'int32'), 10), 'float32');
  const trainable = net.weights.filter((w) => w.trainable).map((w) => w.variable);
  const a = randomArchitecture(space.variables, rng);
  const step = () => { const { value, grads } = tf.variableGrads(() => net.loss(a, { inputs, targets }, { training: true }), trainable); tf.dispose([value, ...Object.values(grads)]); };
  step();
  const info = await tf.profile(step);
  const by = new Map<string, [number, number]>();
  for (const k of info.kernels) { const e = by.get(k.name) ?? [0, 0]; e[0] += Number(k.kernelTimeMs); e[1]++; by.set(k.name, e); }
  console.log(name, [...by.entries()].sort((x, y) => y[1][0] - x[1][0]).slice(0, 8).map(([k, [t, n]]) => `${k}:${t.toFixed(0)}ms/${n}`).join(' '));
  net.dispose();
}
