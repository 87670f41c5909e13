import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  categorical,
  integer,
  type Architecture,
  type Batch,
  type NamedWeight,
  type RandomSource,
  type SearchSpace,
  type Supernet,
  type TaskSpec,
  type Variable,
} from '@asng/core';

/** Options of {@link createSmallCnnSpace}. */
export interface SmallCnnOptions {
  /** Most convolution layers; the depth is searched in `[1, maxDepth]` when `maxDepth > 1`. @default 3 */
  readonly maxDepth?: number;
  /** Channel range searched (shared by every layer, weights shared by slicing). @default [4, 16] */
  readonly channels?: readonly [number, number];
}

const KERNELS = [1, 3, 5] as const;
const ACTIVATIONS = ['relu', 'tanh', 'linear'] as const;

/**
 * A small CNN search space written only against `@asng/core`'s contracts: the
 * depth and the width are integers, each layer's kernel size, the activation
 * and the pooling are categorical. Each conv layer is followed by the
 * activation and a 2x2 pooling; then global average pooling and a dense
 * classifier. The supernet keeps one weight tensor per layer and kernel size
 * at the largest width, and slices it for narrower architectures.
 */
export function createSmallCnnSpace(options: SmallCnnOptions = {}): SearchSpace {
  const maxDepth = options.maxDepth ?? 3;
  const [minChannels, maxChannels] = options.channels ?? [4, 16];
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError(`maxDepth: expected an integer >= 1, got ${maxDepth}`);
  if (!(Number.isInteger(minChannels) && Number.isInteger(maxChannels) && minChannels >= 1 && maxChannels > minChannels)) {
    throw new RangeError(`channels: expected integers [min, max] with 1 <= min < max, got [${minChannels}, ${maxChannels}]`);
  }
  const variables: Variable[] = [
    ...(maxDepth > 1 ? [integer('depth', 1, maxDepth, { description: 'number of conv layers' })] : []),
    integer('channels', minChannels, maxChannels, { description: 'channels of every conv layer' }),
    ...Array.from({ length: maxDepth }, (_, i) => categorical(`kernel${i}`, [...KERNELS], `kernel size of conv layer ${i}`)),
    categorical('activation', [...ACTIVATIONS]),
    categorical('pool', ['max', 'avg']),
  ];
  const depthOf = (a: Architecture) => (maxDepth > 1 ? (a.depth as number) : 1);
  const activate = (name: string, x: tf.Tensor4D): tf.Tensor4D => (name === 'relu' ? tf.relu(x) : name === 'tanh' ? tf.tanh(x) : x);
  const pool = (name: string, x: tf.Tensor4D): tf.Tensor4D => (name === 'max' ? tf.maxPool(x, 2, 2, 'same') : tf.avgPool(x, 2, 2, 'same'));

  return {
    name: 'small-cnn',
    variables,
    metric: { name: 'accuracy', higherIsBetter: true },

    toBatch(images: tf.Tensor4D, labels: tf.Tensor1D | null, task: TaskSpec): Batch {
      if (labels === null) throw new TypeError('small-cnn: a classification space needs labelled data');
      return { inputs: tf.clone(images), targets: tf.tidy(() => tf.cast(tf.oneHot(labels, task.classes), 'float32')) };
    },

    createSupernet(task: TaskSpec, rng: RandomSource): Supernet {
      if (task.classes < 2) throw new RangeError(`small-cnn: expected a classification task with at least 2 classes, got ${task.classes}`);
      const inChannels = task.inputShape[2];
      const he = (shape: number[], fanIn: number) =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => Math.sqrt(2 / fanIn) * rng.normal()),
          shape,
        );
      const weights: NamedWeight[] = [];
      const add = (name: string, init: () => tf.Tensor) => {
        const variable = tf.tidy(() => tf.variable(init(), true, `small-cnn/${name}/${Math.floor(rng.uniform() * 2 ** 31)}`));
        weights.push({ name, variable, trainable: true });
        return variable;
      };
      const kernels = Array.from({ length: maxDepth }, (_, i) =>
        Object.fromEntries(
          KERNELS.map((k) => [
            k,
            add(`conv${i}/k${k}`, () => he([k, k, i === 0 ? inChannels : maxChannels, maxChannels], k * k * (i === 0 ? inChannels : maxChannels))),
          ]),
        ),
      );
      const biases = Array.from({ length: maxDepth }, (_, i) => add(`conv${i}/bias`, () => tf.zeros([maxChannels])));
      const dense = add('dense/kernel', () => he([maxChannels, task.classes], maxChannels));
      const denseBias = add('dense/bias', () => tf.zeros([task.classes]));

      const apply = (a: Architecture, inputs: tf.Tensor4D): tf.Tensor2D =>
        tf.tidy(() => {
          const c = a.channels as number;
          let x = inputs;
          for (let i = 0; i < depthOf(a); i++) {
            const k = a[`kernel${i}`] as number;
            const cin = i === 0 ? inChannels : c;
            const w = tf.slice(kernels[i]![k]!, [0, 0, 0, 0], [k, k, cin, c]) as tf.Tensor4D;
            x = tf.add(tf.conv2d(x, w, 1, 'same'), tf.slice(biases[i]!, [0], [c]));
            x = pool(a.pool as string, activate(a.activation as string, x));
          }
          const features = tf.mean(x, [1, 2]) as tf.Tensor2D;
          return tf.add(tf.matMul(features, tf.slice(dense, [0, 0], [c, task.classes])), denseBias);
        });
      const crossEntropy = (logits: tf.Tensor2D, targets: tf.Tensor) => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));

      return {
        weights,
        apply: (a, inputs) => apply(a, inputs),
        loss: (a, batch) => tf.tidy(() => tf.mean(crossEntropy(apply(a, batch.inputs), batch.targets)) as tf.Scalar),
        async evaluate(a, batch) {
          const [correct, loss] = tf.tidy(() => {
            const logits = apply(a, batch.inputs);
            return [tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32')), tf.sum(crossEntropy(logits, batch.targets))];
          });
          const out = { accuracy: (await correct.data())[0]!, loss: (await loss.data())[0]! };
          tf.dispose([correct, loss]);
          return out;
        },
        dispose: () => tf.dispose(weights.map((w) => w.variable)),
      };
    },

    buildModel(a: Architecture, task: TaskSpec): tfl.LayersModel {
      const c = a.channels as number;
      const layers: tfl.layers.Layer[] = [];
      for (let i = 0; i < depthOf(a); i++) {
        const k = a[`kernel${i}`] as number;
        layers.push(
          tfl.layers.conv2d({
            filters: c,
            kernelSize: k,
            padding: 'same',
            activation: a.activation as 'relu' | 'tanh' | 'linear',
            ...(i === 0 ? { inputShape: [...task.inputShape] } : {}),
          }),
        );
        const poolArgs = { poolSize: 2, strides: 2, padding: 'same' as const };
        layers.push(a.pool === 'max' ? tfl.layers.maxPooling2d(poolArgs) : tfl.layers.averagePooling2d(poolArgs));
      }
      layers.push(tfl.layers.globalAveragePooling2d({}), tfl.layers.dense({ units: task.classes }));
      return tfl.sequential({ layers });
    },

    describe(a: Architecture) {
      const kernels = Array.from({ length: depthOf(a) }, (_, i) => `${a[`kernel${i}`]}x${a[`kernel${i}`]}`);
      return {
        text: `${depthOf(a)} conv layer(s) of ${a.channels} channels (kernels ${kernels.join(', ')}), ${a.activation}, ${a.pool}-pool 2x2 after each; global average pool; dense`,
      };
    },
  };
}
