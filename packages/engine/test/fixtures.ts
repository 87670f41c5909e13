import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InMemorySplit } from '@asng/dataset-files';
import {
  categorical,
  integer,
  type Architecture,
  type Batch,
  type Dataset,
  type NamedWeight,
  type RandomSource,
  type SearchSpace,
  type Supernet,
  type TaskSpec,
} from '@asng/core';

/**
 * A dataset of `size` 4x4 grey images in two classes: class 1 images are
 * bright in the top half, class 0 in the bottom half, with noise.
 */
export function syntheticDataset(size = 96, seed = 1): Dataset {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const images = new Uint8Array(size * 16);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 16; p++) {
      const top = p < 8;
      const bright = top === (labels[i] === 1);
      images[i * 16 + p] = Math.round((bright ? 170 : 40) + 60 * random());
    }
  }
  const split = new InMemorySplit([4, 4, 1], images, labels);
  return {
    info: { name: 'synthetic', shape: [4, 4, 1], classes: 2, splits: { train: size }, source: 'generated' },
    split(name) {
      if (name !== 'train') throw new RangeError(`synthetic: no split '${name}', only 'train'`);
      return split;
    },
  };
}

/** Options of {@link tinySpace}. */
export interface TinySpaceOptions {
  /** Make the loss NaN for this activation (to test NaN handling). */
  readonly poisonActivation?: string;
}

/**
 * A tiny search space: flatten, a hidden layer whose width (integer, 2..8,
 * weights shared by slicing) and activation (categorical) are searched, then a
 * linear classifier. `'zero'` multiplies the hidden layer by 0: a clearly bad choice.
 */
export function tinySpace(options: TinySpaceOptions = {}): SearchSpace {
  const variables = [categorical('activation', ['relu', 'tanh', 'zero']), integer('width', 2, 8)];
  const act = (name: string, x: tf.Tensor): tf.Tensor => {
    if (name === options.poisonActivation) return tf.mul(x, Number.NaN);
    if (name === 'relu') return tf.relu(x);
    if (name === 'tanh') return tf.tanh(x);
    return tf.mul(x, 0);
  };
  return {
    name: 'tiny',
    variables,
    metric: { name: 'accuracy', higherIsBetter: true },
    toBatch(images: tf.Tensor4D, labels: tf.Tensor1D | null, task: TaskSpec): Batch {
      if (labels === null) throw new TypeError('tiny space: labels are required');
      return tf.tidy(() => ({ inputs: tf.clone(images), targets: tf.cast(tf.oneHot(labels, task.classes), 'float32') }));
    },
    createSupernet(task: TaskSpec, rng: RandomSource): Supernet {
      const inputs = task.inputShape[0] * task.inputShape[1] * task.inputShape[2];
      const init = (shape: number[], scale: number) =>
        tf.tensor(
          Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
          shape,
        );
      // tidy frees the initial values; the variables survive it.
      const [w1, b1, w2] = tf.tidy(() => [
        tf.variable(init([inputs, 8], 0.3), true, 'tiny/w1'),
        tf.variable(tf.zeros([8]), true, 'tiny/b1'),
        tf.variable(init([8, task.classes], 0.3), true, 'tiny/w2'),
      ]) as [tf.Variable, tf.Variable, tf.Variable];
      const weights: NamedWeight[] = [
        { name: 'w1', variable: w1, trainable: true },
        { name: 'b1', variable: b1, trainable: true },
        { name: 'w2', variable: w2, trainable: true },
      ];
      const apply = (a: Architecture, x: tf.Tensor4D) => {
        const width = a.width as number;
        const flat = tf.reshape(x, [x.shape[0], -1]);
        const hidden = act(a.activation as string, tf.add(tf.matMul(flat, tf.slice(w1, [0, 0], [-1, width])), tf.slice(b1, [0], [width])));
        return tf.matMul(hidden, tf.slice(w2, [0, 0], [width, -1]));
      };
      return {
        weights,
        apply: (a, x) => apply(a, x),
        loss: (a, batch) => tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(batch.targets, tf.logSoftmax(apply(a, batch.inputs))), 1))) as tf.Scalar),
        async evaluate(a, batch) {
          const [correct, loss] = tf.tidy(() => {
            const logits = apply(a, batch.inputs);
            const right = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32'));
            const ce = tf.sum(tf.neg(tf.sum(tf.mul(batch.targets, tf.logSoftmax(logits)), 1)));
            return [right, ce];
          });
          const out = { accuracy: (await correct.data())[0]!, loss: (await loss.data())[0]! };
          tf.dispose([correct, loss]);
          return out;
        },
        dispose: () => tf.dispose([w1, b1, w2]),
      };
    },
    buildModel(): LayersModel {
      throw new Error('tiny test space: buildModel is not used by the engine tests');
    },
    describe: (a) => ({ text: `hidden layer of ${a.width} units with ${a.activation}` }),
  };
}
