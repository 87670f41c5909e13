import * as tf from '@tensorflow/tfjs-core';
import {
  batchTensors,
  Rng,
  validateArchitecture,
  validateVariables,
  type Architecture,
  type Batch,
  type SearchSpace,
  type TaskSpec,
  type Variable,
} from '@asng/core';
import { describe, expect, it } from 'vitest';
import { tensorLeakReport } from './tensor-leaks.js';

/** Options of {@link describeSearchSpace}. */
export interface DescribeSearchSpaceOptions {
  /** The task the space is instantiated for; keep it tiny. */
  readonly task: TaskSpec;
  /** Examples per test batch. @default 2 */
  readonly batchSize?: number;
  /** Random architectures tried. @default 4 */
  readonly architectures?: number;
  /** Seed. @default 99 */
  readonly seed?: number;
  /** Also build each architecture as a `tf.LayersModel` and check its output shape. @default true */
  readonly buildModels?: boolean;
}

/** A random architecture, uniform over each variable. */
export function randomArchitecture(variables: readonly Variable[], rng: Rng): Architecture {
  const out: Record<string, string | number> = {};
  for (const v of variables) {
    if (v.kind === 'categorical') out[v.name] = v.choices[rng.int(v.choices.length)]!;
    else if (v.kind === 'integer') out[v.name] = v.min + rng.int(v.max - v.min + 1);
    else out[v.name] = v.min + (v.max - v.min) * rng.uniform();
  }
  return out;
}

/**
 * The conformance suite of the {@link SearchSpace} contract, run on a tiny
 * task with the active tfjs backend (register one, and the gradients, before
 * calling it): valid variables; batches of the right shapes; for random
 * architectures, a finite loss whose gradient reaches some weights and only
 * defined tensors; no tensor leaks over repeated steps; finite evaluation
 * metrics; unique weight names; standalone models with the supernet's output
 * shape; a description.
 */
export function describeSearchSpace(name: string, create: () => SearchSpace, options: DescribeSearchSpaceOptions): void {
  const { task } = options;
  const n = options.batchSize ?? 2;
  const count = options.architectures ?? 4;
  const seed = options.seed ?? 99;
  const [h, w, c] = task.inputShape;

  const batchOf = (space: SearchSpace, rng: Rng): Batch => {
    const images = tf.randomUniform([n, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
    const labels =
      task.classes > 0
        ? (tf.tensor1d(
            Array.from({ length: n }, (_, i) => i % task.classes),
            'int32',
          ) as tf.Tensor1D)
        : null;
    const batch = space.toBatch(images, labels, task, rng);
    tf.dispose(labels === null ? [images] : [images, labels]);
    return batch;
  };

  describe(`SearchSpace conformance: ${name}`, () => {
    it('declares valid variables and a metric', () => {
      const space = create();
      expect(typeof space.name).toBe('string');
      validateVariables(space.variables);
      expect(space.variables.length).toBeGreaterThan(0);
      expect(typeof space.metric.name).toBe('string');
    });

    it('computes finite losses with gradients for random architectures, and describes them', () => {
      const space = create();
      const rng = new Rng(seed);
      const supernet = space.createSupernet(task, rng.fork());
      try {
        const names = supernet.weights.map((x) => x.name);
        expect(new Set(names).size).toBe(names.length);
        const batch = batchOf(space, rng);
        expect(batch.inputs.shape[0]).toBe(n);
        for (let k = 0; k < count; k++) {
          const architecture = randomArchitecture(space.variables, rng);
          validateArchitecture(space.variables, architecture);
          const out = tf.tidy(() => supernet.apply(architecture, batch.inputs, { training: false }));
          expect(out.shape[0]).toBe(n);
          if (task.classes > 0) expect(out.shape).toEqual([n, task.classes]);
          out.dispose();
          const trainable = supernet.weights.filter((x) => x.trainable).map((x) => x.variable);
          const { value, grads } = tf.variableGrads(() => supernet.loss(architecture, batch, { training: true }), trainable);
          expect(Number.isFinite(value.dataSync()[0])).toBe(true);
          expect(Object.keys(grads).length).toBeGreaterThan(0);
          for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
          tf.dispose([value, ...Object.values(grads)]);
          if (supernet.selectionLoss !== undefined) {
            // The distribution step's loss: a finite scalar that leaves no tensor behind.
            const held = tf.memory().numTensors;
            const selection = supernet.selectionLoss(architecture, batch, { training: true });
            expect(selection.shape).toEqual([]);
            expect(Number.isFinite(selection.dataSync()[0])).toBe(true);
            selection.dispose();
            expect(tf.memory().numTensors).toBe(held);
          }
          expect(space.describe(architecture).text.length).toBeGreaterThan(0);
        }
        tf.dispose(batchTensors(batch));
      } finally {
        supernet.dispose();
      }
    });

    it('evaluates to finite per-example sums including its metric', async () => {
      const space = create();
      const rng = new Rng(seed + 1);
      const supernet = space.createSupernet(task, rng.fork());
      const batch = batchOf(space, rng);
      try {
        const metrics = await supernet.evaluate(randomArchitecture(space.variables, rng), batch);
        expect(Object.keys(metrics)).toContain(space.metric.name);
        for (const v of Object.values(metrics)) expect(Number.isFinite(v)).toBe(true);
      } finally {
        tf.dispose(batchTensors(batch));
        supernet.dispose();
      }
    });

    it('does not leak tensors over repeated steps, and frees everything on dispose', () => {
      const space = create();
      const rng = new Rng(seed + 2);
      const before = tf.memory().numTensors;
      const supernet = space.createSupernet(task, rng.fork());
      const batch = batchOf(space, rng);
      const trainable = supernet.weights.filter((x) => x.trainable).map((x) => x.variable);
      const counts: number[] = [];
      for (let k = 0; k < 4; k++) {
        const architecture = randomArchitecture(space.variables, rng);
        const { value, grads } = tf.variableGrads(() => supernet.loss(architecture, batch, { training: true }), trainable);
        tf.dispose([value, ...Object.values(grads)]);
        counts.push(tf.memory().numTensors);
      }
      tf.dispose(batchTensors(batch));
      supernet.dispose();
      const report = tensorLeakReport(before, counts, tf.memory().numTensors);
      expect(report, report).toBeUndefined();
    });

    if (options.buildModels ?? true) {
      it('builds standalone models with the output shape of the supernet', () => {
        const space = create();
        const rng = new Rng(seed + 3);
        for (let k = 0; k < Math.min(count, 2); k++) {
          const architecture = randomArchitecture(space.variables, rng);
          const model = space.buildModel(architecture, task, rng.fork());
          const out = tf.tidy(() => {
            const y = model.predict(tf.zeros([n, h, w, c])) as tf.Tensor;
            return tf.clone(y);
          });
          if (task.classes > 0) expect(out.shape).toEqual([n, task.classes]);
          else expect(out.shape.slice(1)).toEqual([h, w, c]);
          out.dispose();
          model.dispose();
        }
      });
    }
  });
}
