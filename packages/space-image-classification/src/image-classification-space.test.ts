import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng, validateArchitecture, type Architecture, type CategoricalVariable, type Supernet, type TaskSpec } from '@asng/core';
import { registerFileSystemRouter, runSearch } from '@asng/engine';
import { describeSearchSpace, randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { barsDataset } from '../test/bars-dataset.js';
import { decodeCell, type CellType } from './cell-architecture.js';
import { createImageClassificationSpace } from './image-classification-space.js';
import { planNetwork } from './network-plan.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { cells: 3, channels: 4 } as const;
describeSearchSpace('image-classification, 3 cells, 8x8x1', () => createImageClassificationSpace(tiny), { task: { inputShape: [8, 8, 1], classes: 3 } });
describeSearchSpace(
  'image-classification, 2 cells of 3 nodes, odd 7x9x3 input, three operations',
  () => createImageClassificationSpace({ cells: 2, channels: 2, nodes: 3, operations: ['sep_conv_5x5', 'identity', 'max_pool_3x3'] }),
  { task: { inputShape: [7, 9, 3], classes: 2 }, architectures: 3 },
);

/** The trainable weights a forward pass of `architecture` must touch, derived from the space's definition. */
function expectedTrainable(architecture: Architecture, cells: number, channels: number, nodes: number): Set<string> {
  const names = new Set(['stem/conv', 'stem/bn/gamma', 'stem/bn/beta', 'classifier/kernel', 'classifier/bias']);
  for (const cell of planNetwork(cells, channels, 3).cells) {
    const at = `cell${cell.index}`;
    if (cell.reduceInput0) names.add(`${at}/preprocess0/conv1`).add(`${at}/preprocess0/conv2`);
    else names.add(`${at}/preprocess0/conv`);
    names.add(`${at}/preprocess1/conv`);
    const genotype = decodeCell(architecture, cell.type, nodes);
    genotype.nodes.forEach((node, i) => {
      for (const k of [0, 1] as const) {
        const [j, op] = [node.inputs[k], node.ops[k]];
        const edge = `${at}/node${i}/input${j}/${op}`;
        if (op.startsWith('sep_conv')) for (const w of ['depthwise1', 'depthwise2', 'pointwise1', 'pointwise2']) names.add(`${edge}/${w}`);
        if (op === 'identity' && cell.type === 'reduction' && j < 2) names.add(`${edge}/reduce/conv1`).add(`${edge}/reduce/conv2`);
      }
    });
    for (const k of genotype.outputNodes) names.add(`${at}/combine/node${k}`);
  }
  return names;
}

function batchOf(task: TaskSpec, n: number, seed: number) {
  const [h, w, c] = task.inputShape;
  return {
    inputs: tf.randomUniform([n, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D,
    targets: tf.oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % task.classes),
        'int32',
      ),
      task.classes,
    ),
  };
}

describe('the paper space', () => {
  it('has the authors 40 categorical variables, N = 140, with labelled choices', () => {
    const space = createImageClassificationSpace();
    expect(space.variables).toHaveLength(40);
    const categories = space.variables.map((v) => (v as CategoricalVariable).choices.length);
    const perCell = [2, 2, 5, 5, 3, 3, 5, 5, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5];
    expect(categories).toEqual([...perCell, ...perCell]);
    expect(categories.reduce((s, k) => s + k - 1, 0)).toBe(140);
    expect(space.variables.every((v) => v.kind === 'categorical')).toBe(true);
    expect(space.variables[0]!.name).toBe('normal.node0.input1');
    expect(space.variables[39]!.name).toBe('reduction.node4.op2');
    const node2 = space.variables.find((v) => v.name === 'normal.node2.input2') as CategoricalVariable;
    expect(node2.choices).toEqual(['cell input 0', 'cell input 1', 'node 0', 'node 1']);
    const op = space.variables.find((v) => v.name === 'reduction.node3.op1') as CategoricalVariable;
    expect(op.choices).toEqual(['identity', 'avg_pool_3x3', 'max_pool_3x3', 'sep_conv_3x3', 'sep_conv_5x5']);
    expect(space.metric).toEqual({ name: 'accuracy', higherIsBetter: true });
  });

  it('lays out the network as the authors: reductions at 1/3 and 2/3, channels doubled there', () => {
    const plan = planNetwork(8, 16, 3);
    expect(plan.stemChannels).toBe(48);
    expect(plan.cells.map((c) => c.type[0]).join('')).toBe('nnrnnrnn');
    expect(plan.cells.map((c) => c.channels)).toEqual([16, 16, 32, 32, 32, 64, 64, 64]);
    expect(plan.cells.map((c) => c.reduceInput0)).toEqual([false, false, false, true, false, false, true, false]);
    expect(plan.cells[3]!.inputChannels).toEqual([16, 32]);
    expect(plan.outputChannels).toBe(64);
  });

  it('validates its options', () => {
    expect(() => createImageClassificationSpace({ cells: 0 })).toThrow(/cells: expected an integer >= 1, got 0/);
    expect(() => createImageClassificationSpace({ channels: 0 })).toThrow(/channels: expected an integer >= 1, got 0/);
    expect(() => createImageClassificationSpace({ operations: [] })).toThrow(/at least one operation/);
    expect(() => createImageClassificationSpace({ operations: ['conv_7x7' as never] })).toThrow(/unknown operation "conv_7x7"/);
    expect(() => createImageClassificationSpace({ operations: ['identity', 'identity'] })).toThrow(/duplicate/);
    const space = createImageClassificationSpace(tiny);
    expect(() => space.createSupernet({ inputShape: [8, 8, 1], classes: 0 }, new Rng(1))).toThrow(/at least 2 classes/);
  });
});

describe('the supernet computes only the chosen path', () => {
  const task: TaskSpec = { inputShape: [8, 8, 2], classes: 3 };
  const space = createImageClassificationSpace(tiny);
  let supernet: Supernet;
  beforeAll(() => {
    supernet = space.createSupernet(task, new Rng(7));
    return () => supernet.dispose();
  });

  it('gives gradients to exactly the weights of the sampled operations', () => {
    const rng = new Rng(11);
    const batch = batchOf(task, 4, 3);
    const byVariable = new Map(supernet.weights.map((w) => [w.variable.name, w.name]));
    const trainable = supernet.weights.filter((w) => w.trainable).map((w) => w.variable);
    for (let k = 0; k < 4; k++) {
      const architecture = randomArchitecture(space.variables, rng);
      const { value, grads } = tf.variableGrads(() => supernet.loss(architecture, batch, { training: true }), trainable);
      const touched = new Set(Object.keys(grads).map((n) => byVariable.get(n)!));
      tf.dispose([value, ...Object.values(grads)]);
      expect(touched).toEqual(expectedTrainable(architecture, tiny.cells, tiny.channels, 5));
      expect(touched.size).toBeLessThan(trainable.length / 2);
    }
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('updates the moving statistics of the used batch norms only, and ignores every unused weight', () => {
    const rng = new Rng(12);
    const architecture = randomArchitecture(space.variables, rng);
    const batch = batchOf(task, 4, 4);
    const used = expectedTrainable(architecture, tiny.cells, tiny.channels, 5);
    const snapshot = () => new Map(supernet.weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));
    const before = snapshot();
    tf.tidy(() => supernet.loss(architecture, batch, { training: true }));
    const after = snapshot();
    const changed = supernet.weights.filter((w) => before.get(w.name)!.some((v, i) => v !== after.get(w.name)![i])).map((w) => w.name);
    expect(changed.length).toBeGreaterThan(0);
    for (const name of changed) {
      expect(name).toMatch(/\/moving_(mean|variance)$/);
      // A batch norm belongs to the operation whose weights sit beside it.
      const owner = name.replace(/\/bn\d?\/moving_(mean|variance)$/, '');
      if (owner !== 'stem' && !owner.endsWith('/combine')) expect([...used].some((u) => u.startsWith(`${owner}/`))).toBe(true);
    }

    const output = () => tf.tidy(() => supernet.apply(architecture, batch.inputs, { training: false }));
    const reference = output();
    const saved = supernet.weights.filter((w) => w.trainable && !used.has(w.name)).map((w) => [w.variable, tf.clone(w.variable)] as const);
    expect(saved.length).toBeGreaterThan(0);
    for (const [v] of saved) tf.tidy(() => v.assign(tf.add(v, 10)));
    const perturbed = output();
    expect(Array.from(perturbed.dataSync())).toEqual(Array.from(reference.dataSync()));
    for (const [v, copy] of saved) v.assign(copy);
    tf.dispose([reference, perturbed, batch.inputs, batch.targets, ...saved.map(([, c]) => c)]);
  });

  it('evaluates per-example sums: the correct count and the summed loss, with batch or moving statistics', async () => {
    const architecture = randomArchitecture(space.variables, new Rng(13));
    const batch = batchOf(task, 6, 5);
    const viaBatch = await supernet.evaluate(architecture, batch);
    const trainLoss = tf.tidy(() => supernet.loss(architecture, batch, { training: true }));
    expect(viaBatch.loss).toBeCloseTo(6 * trainLoss.dataSync()[0]!, 3);
    trainLoss.dispose();

    const other = createImageClassificationSpace({ ...tiny, evaluationStatistics: 'moving' }).createSupernet(task, new Rng(7));
    try {
      const viaMoving = await other.evaluate(architecture, batch);
      const [loss, correct] = tf.tidy(() => {
        const logits = other.apply(architecture, batch.inputs, { training: false }) as tf.Tensor2D;
        return [other.loss(architecture, batch, { training: false }), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32'))];
      });
      expect(viaMoving.loss).toBeCloseTo(6 * loss.dataSync()[0]!, 3);
      expect(viaMoving.accuracy).toBe(correct.dataSync()[0]);
      expect(Number.isInteger(viaMoving.accuracy)).toBe(true);
      expect(viaMoving.loss).not.toBeCloseTo(viaBatch.loss!, 3);
      tf.dispose([loss, correct]);
    } finally {
      other.dispose();
      tf.dispose([batch.inputs, batch.targets]);
    }
  });
});

/** Marks a weight of the model that has no supernet counterpart and stays as it is. */
const KEEP = '(keep)';

/** The supernet weight names behind a layer's weights (tfjs-layers order: kernel/bias, depthwise/pointwise, gamma/beta/mean/variance). */
function supernetNames(layer: tfl.layers.Layer, genotypes: Record<CellType, ReturnType<typeof decodeCell>>, types: readonly CellType[]): string[][] {
  const name = layer.name;
  if (name === 'classifier') return [['classifier/kernel'], ['classifier/bias']];
  const path = (s: string) =>
    s
      .replace(/^cell(\d+)_/, 'cell$1/')
      .replace(/node(\d+)_input(\d+)_/, 'node$1/input$2/')
      .replace(/_reduce$/, '/reduce');
  let m = /^(cell(\d+))_combine_conv$/.exec(name);
  if (m) return [genotypes[types[Number(m[2])]!].outputNodes.map((k) => `${m![1]}/combine/node${k}`)];
  m = /^(.*)_sep([12])$/.exec(name);
  if (m) return [[`${path(m[1]!)}/depthwise${m[2]}`], [`${path(m[1]!)}/pointwise${m[2]}`]];
  m = /^(.*)_(conv[12]?)$/.exec(name);
  if (m) return [[`${path(m[1]!)}/${m[2]}`]];
  m = /^(.*)_bn([12]?)$/.exec(name);
  if (m) {
    const bn = `${path(m[1]!)}/bn${m[2]}`;
    const stats = [[`${bn}/moving_mean`], [`${bn}/moving_variance`]];
    // A batch norm without affine parameters keeps its frozen gamma (1) and beta (0).
    return layer.trainable ? [[`${bn}/gamma`], [`${bn}/beta`], ...stats] : [[KEEP], [KEEP], ...stats];
  }
  throw new Error(`no supernet weights known for layer ${name}`);
}

describe('recomputing cells in the backward pass (gradient checkpointing)', () => {
  it('gives the same loss, gradients and moving statistics as keeping the activations', () => {
    const task: TaskSpec = { inputShape: [8, 8, 2], classes: 3 };
    const plain = createImageClassificationSpace(tiny).createSupernet(task, new Rng(41));
    const recomputing = createImageClassificationSpace({ ...tiny, recomputeCells: true }).createSupernet(task, new Rng(41));
    const batch = batchOf(task, 4, 6);
    const rng = new Rng(42);
    try {
      for (let k = 0; k < 2; k++) {
        const architecture = randomArchitecture(createImageClassificationSpace(tiny).variables, rng);
        const run = (supernet: Supernet) => {
          const names = new Map(supernet.weights.map((w) => [w.variable.name, w.name]));
          const { value, grads } = tf.variableGrads(
            () => supernet.loss(architecture, batch, { training: true }),
            supernet.weights.filter((w) => w.trainable).map((w) => w.variable),
          );
          const out = { loss: value.dataSync()[0]!, grads: new Map(Object.entries(grads).map(([n, g]) => [names.get(n)!, Array.from(g.dataSync())])) };
          tf.dispose([value, ...Object.values(grads)]);
          return out;
        };
        const [a, b] = [run(plain), run(recomputing)];
        expect(b.loss).toBeCloseTo(a.loss, 5);
        expect([...b.grads.keys()].sort()).toEqual([...a.grads.keys()].sort());
        for (const [name, g] of a.grads) {
          const h = b.grads.get(name)!;
          const scale = Math.max(1e-3, ...g.map(Math.abs));
          g.forEach((v, i) => expect(Math.abs(v - h[i]!)).toBeLessThan(1e-4 * scale));
        }
      }
      plain.weights.forEach((w, i) => {
        if (w.trainable) return;
        const [x, y] = [w.variable.dataSync(), recomputing.weights[i]!.variable.dataSync()];
        x.forEach((v, j) => expect(y[j]).toBeCloseTo(v, 5));
      });
    } finally {
      tf.dispose([batch.inputs, batch.targets]);
      plain.dispose();
      recomputing.dispose();
    }
  });
});

describeSearchSpace('image-classification, recomputing cells', () => createImageClassificationSpace({ ...tiny, recomputeCells: true }), {
  task: { inputShape: [8, 8, 1], classes: 3 },
  architectures: 2,
  buildModels: false,
});

describe('standalone models', () => {
  const task: TaskSpec = { inputShape: [9, 7, 3], classes: 4 };
  const space = createImageClassificationSpace(tiny);

  // An odd width as well: parameter budgets choose any channel count.
  for (const options of [tiny, { cells: 3, channels: 3 }]) {
    it(`compute what the supernet computes for the same architecture and weights (${options.channels} channels)`, () => {
      const space = createImageClassificationSpace(options);
      const rng = new Rng(21);
      const supernet = space.createSupernet(task, rng.fork());
      const inputs = tf.randomUniform([3, 9, 7, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
      try {
        // Batch-norm parameters and statistics away from 0 and 1, so that copying them matters.
        supernet.weights.forEach((w, i) => {
          const positive = /(variance|gamma)$/.test(w.name);
          if (positive || /(mean|beta)$/.test(w.name))
            tf.tidy(() => w.variable.assign(tf.randomUniform(w.variable.shape, positive ? 0.5 : -0.3, positive ? 1.5 : 0.3, 'float32', i)));
        });
        const outputs: number[][] = [];
        // Each node applying one operation twice to one input (a shared module in the authors' code), then random ones.
        const twice = Object.fromEntries(
          space.variables.map((v) => [
            v.name,
            v.name.endsWith('input1') || v.name.endsWith('input2') ? 'cell input 1' : v.name.startsWith('normal') ? 'sep_conv_3x3' : 'identity',
          ]),
        );
        for (const architecture of [twice, randomArchitecture(space.variables, rng), randomArchitecture(space.variables, rng)]) {
          const model = space.buildModel(architecture, task, rng.fork());
          const types = planNetwork(options.cells, options.channels, 3).cells.map((c) => c.type);
          const genotypes = { normal: decodeCell(architecture, 'normal', 5), reduction: decodeCell(architecture, 'reduction', 5) };
          const byName = new Map(supernet.weights.map((w) => [w.name, w.variable] as const));
          let copied = 0;
          for (const layer of model.layers) {
            if (layer.weights.length === 0) continue;
            const sources = supernetNames(layer, genotypes, types);
            // Copies, not views: tfjs-layers assigns the given tensors' storage to its variables.
            const values = sources.map((group, k) =>
              tf.tidy(() => {
                if (group[0] === KEEP) return tf.clone(layer.getWeights()[k]!);
                const joined =
                  group.length > 1
                    ? tf.concat(
                        group.map((n) => byName.get(n)!),
                        2,
                      )
                    : byName.get(group[0]!)!;
                return tf.tensor(joined.dataSync(), joined.shape, 'float32');
              }),
            );
            layer.setWeights(values);
            tf.dispose(values);
            copied += sources.flat().length;
          }
          expect(copied).toBeGreaterThan(20);
          const [fromModel, fromSupernet] = tf.tidy(() => [model.predict(inputs) as tf.Tensor, supernet.apply(architecture, inputs, { training: false })]);
          expect(fromModel.shape).toEqual([3, 4]);
          const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fromModel, fromSupernet))).dataSync()[0]!);
          const scale = tf.tidy(() => tf.max(tf.abs(fromSupernet)).dataSync()[0]!);
          outputs.push(Array.from(fromSupernet.dataSync()));
          expect(scale).toBeGreaterThan(1e-3);
          expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
          tf.dispose([fromModel, fromSupernet]);
          model.dispose();
        }
        // Not a constant network: examples and architectures give different logits.
        for (const out of outputs) expect(out.slice(0, 4)).not.toEqual(out.slice(4, 8));
        expect(outputs[1]).not.toEqual(outputs[2]);
      } finally {
        inputs.dispose();
        supernet.dispose();
      }
    });
  }

  it('save to file:// and load back with tf.loadLayersModel, giving the same outputs', async () => {
    registerFileSystemRouter();
    const dir = mkdtempSync(join(tmpdir(), 'asng-image-classification-'));
    const rng = new Rng(22);
    const architecture = randomArchitecture(space.variables, rng);
    validateArchitecture(space.variables, architecture);
    const model = space.buildModel(architecture, task, rng.fork());
    const inputs = tf.randomUniform([2, 9, 7, 3], 0, 1, 'float32', 9);
    try {
      const random = model.weights.map((w, i) => {
        const positive = /(variance|gamma)$/.test(w.originalName);
        return tf.randomUniform(w.shape as number[], positive ? 0.5 : -0.3, positive ? 1.5 : 0.3, 'float32', i);
      });
      model.setWeights(random);
      const before = model.predict(inputs) as tf.Tensor;
      const values = Array.from(before.dataSync());
      expect(values.slice(0, 4)).not.toEqual(values.slice(4, 8));
      const saved = await model.save(`file://${dir}`);
      expect(saved.modelArtifactsInfo.weightDataBytes).toBe(4 * model.countParams());
      const loaded = await tfl.loadLayersModel(`file://${join(dir, 'model.json')}`);
      const after = loaded.predict(inputs) as tf.Tensor;
      expect(after.shape).toEqual([2, 4]);
      expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const again = await tfl.loadLayersModel(`file://${dir}`);
      expect(Array.from((again.predict(inputs) as tf.Tensor).dataSync())).toEqual(Array.from(before.dataSync()));
      loaded.dispose();
      again.dispose();
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('descriptions', () => {
  it('list each node of each cell type (the diagrams are the architecture graph, drawn by @asng/report-render)', () => {
    const space = createImageClassificationSpace();
    const architecture = randomArchitecture(space.variables, new Rng(31));
    const { text, diagrams } = space.describe(architecture);
    expect(diagrams).toBeUndefined();
    expect(text).toMatch(/^8 cells of 5 nodes, 16 channels doubled at the reduction cells \(2 and 5\)/);
    for (const type of ['normal', 'reduction'] as const) {
      const genotype = decodeCell(architecture, type, 5);
      const n0 = genotype.nodes[0]!;
      expect(text).toContain(`node 0 = ${n0.ops[0]}(cell input ${n0.inputs[0]}) + ${n0.ops[1]}(cell input ${n0.inputs[1]})`);
      expect(text).toContain(`output = ReLU-conv1x1-BN(concat(${genotype.outputNodes.map((k) => `node ${k}`).join(', ')}))`);
    }
  });
});

describe('searching with the engine', () => {
  it('runs a short ASNG search on tiny synthetic data and returns a valid, described architecture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-image-classification-search-'));
    const space = createImageClassificationSpace({ cells: 2, channels: 4, nodes: 3 });
    try {
      const steps: number[] = [];
      const result = await runSearch({
        space,
        dataset: barsDataset(64),
        runDir: dir,
        config: { seed: 1, batchSize: 8, epochs: 2, learningRate: 0.05, evaluationBatches: 2 },
        onStep: (e) => steps.push(e.trainLoss),
      });
      expect(result.status).toBe('completed');
      expect(result.steps).toBe(8);
      expect(steps).toHaveLength(8);
      validateArchitecture(space.variables, result.best);
      expect(result.description.text).toContain('normal cell:');
      expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(result.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(steps.every(Number.isFinite)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
