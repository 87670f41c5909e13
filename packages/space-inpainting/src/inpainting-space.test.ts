import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchTensors, Rng, validateArchitecture, type Architecture, type Supernet, type TaskSpec, type VariableBelief } from '@asng/core';
import { runSearch } from '@asng/engine';
import { SearchDistribution } from '@asng/optimizer-asng';
import { describeSearchSpace, randomArchitecture } from '@asng/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInpaintingSpace, type InpaintingSpace } from './inpainting-space.js';
import { psnr } from './metrics.js';
import { blobs } from './blobs.fixture.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { nodes: 4, levelBack: 2, channels: [2, 4] } as const;
describeSearchSpace('inpainting, categorical, 16x16x1', () => createInpaintingSpace({ ...tiny, encoding: 'categorical' }), {
  task: { inputShape: [16, 16, 1], classes: 0 },
});
describeSearchSpace('inpainting, mixed, 12x12x3 (padded to 16x16 inside)', () => createInpaintingSpace({ ...tiny, encoding: 'mixed', mask: 'random-half' }), {
  task: { inputShape: [12, 12, 3], classes: 0 },
});

describeSearchSpace(
  'inpainting, hole-weighted loss, 16x16x1',
  () => createInpaintingSpace({ ...tiny, encoding: 'mixed', holeWeight: 3, selectionHoleWeight: 10 }),
  {
    task: { inputShape: [16, 16, 1], classes: 0 },
  },
);

type NodeSpec = readonly [type: 'skip' | 'down', kernel: number, channels: number, input: string];

/** A mixed-encoding architecture from node specs (kernel sizes [1, 3, 5]). */
function mixed(nodes: readonly NodeSpec[], output: string): Architecture {
  const a: Record<string, string | number> = { 'output.input': output };
  nodes.forEach(([type, kernel, channels, input], i) => {
    a[`node${i}.type`] = type;
    a[`node${i}.kernelIndex`] = [1, 3, 5].indexOf(kernel) + 1;
    a[`node${i}.channels`] = channels;
    a[`node${i}.input`] = input;
  });
  return a;
}

/** Five nodes (level-back 3), active path node0 -> node2 -> node3; node1 and node4 are inactive. */
const EXAMPLE = mixed(
  [
    ['skip', 3, 4, 'input'],
    ['down', 1, 2, 'node0'],
    ['down', 5, 3, 'node0'],
    ['skip', 1, 2, 'node2'],
    ['down', 3, 4, 'node1'],
  ],
  'node3',
);

/** Copies the supernet's slices of the active weights into a standalone model of the same architecture. */
function copyWeights(space: InpaintingSpace, supernet: Supernet, model: tfl.LayersModel, architecture: Architecture, task: TaskSpec): void {
  const plan = space.plan(architecture, task);
  const weight = (name: string) => supernet.weights.find((w) => w.name === name)!.variable;
  const set = (layer: string, name: string, size: number[]) => {
    const value = tf.slice(weight(name), [0, 0, 0, 0], size);
    model.getLayer(layer).setWeights([value]);
    value.dispose();
  };
  for (const l of plan.layers) {
    const key = `node${l.node}/${l.type}-${l.kernel}x${l.kernel}`;
    set(`node${l.node}_conv`, `${key}/conv`, [l.kernel, l.kernel, l.inChannels, l.outChannels]);
    set(`node${l.node}_deconv`, `${key}/deconv`, [l.kernel, l.kernel, l.outChannels, l.decoderInChannels]);
  }
  set('output_deconv', 'output/deconv', [3, 3, task.inputShape[2], plan.outputInChannels]);
}

describe('variables', () => {
  it('has the paper counts: categorical 63 variables and N = 214, mixed N = 174', () => {
    const categorical = createInpaintingSpace({ encoding: 'categorical', channels: [64, 128, 256] });
    expect(categorical.variables.length).toBe(63);
    expect(new SearchDistribution(categorical.variables).freeParameters).toBe(214);
    const mixedSpace = createInpaintingSpace({ encoding: 'mixed', channels: [64, 128, 256] });
    expect(mixedSpace.variables.length).toBe(81);
    expect(new SearchDistribution(mixedSpace.variables).freeParameters).toBe(174);
    expect(mixedSpace.variables.find((v) => v.name === 'node7.channels')).toMatchObject({ kind: 'integer', min: 64, max: 256 });
    expect(mixedSpace.variables.find((v) => v.name === 'node7.kernelIndex')).toMatchObject({ kind: 'integer', min: 1, max: 3 });
  });

  it('counts the supernet weights: 183.5M at the paper sizes on RGB images, as many as a small supernet holds', () => {
    const paper = createInpaintingSpace({ encoding: 'categorical', channels: [64, 128, 256] });
    // Per node: 2 modules (skip, down) x kernels 1, 3, 5 x (conv + deconv) at 256 x 256; the output 3x3 deconv 256 -> 3.
    expect(paper.supernetWeightCount({ inputShape: [64, 64, 3], classes: 0 })).toBe(20 * 2 * (1 + 9 + 25) * 2 * 256 * 256 + 9 * 3 * 256);
    const small = createInpaintingSpace({ encoding: 'mixed', nodes: 3, levelBack: 2, channels: [2, 5] });
    const task: TaskSpec = { inputShape: [16, 16, 7], classes: 0 };
    const supernet = small.createSupernet(task, new Rng(1));
    expect(small.supernetWeightCount(task)).toBe(supernet.weights.reduce((s, w) => s + w.variable.size, 0));
    supernet.dispose();
  });

  it('offers each node the previous level-back nodes, the input image counting as one', () => {
    const space = createInpaintingSpace({ encoding: 'categorical' });
    const choices = (name: string) => space.variables.find((v) => v.name === name)!;
    expect(choices('node0.input')).toMatchObject({ choices: ['input'] });
    expect(choices('node3.input')).toMatchObject({ choices: ['input', 'node0', 'node1', 'node2'] });
    expect(choices('node12.input')).toMatchObject({ choices: ['node7', 'node8', 'node9', 'node10', 'node11'] });
    expect(choices('output.input')).toMatchObject({ choices: ['node15', 'node16', 'node17', 'node18', 'node19'] });
    expect(choices('node4.module')).toMatchObject({ choices: ['skip-1x1', 'down-1x1', 'skip-3x3', 'down-3x3', 'skip-5x5', 'down-5x5'] });
  });

  it('validates its options', () => {
    expect(() => createInpaintingSpace({ nodes: 0 })).toThrow(/nodes must be an integer >= 1, got 0/);
    expect(() => createInpaintingSpace({ kernelSizes: [2, 3] })).toThrow(/kernelSizes must be distinct odd positive integers, got \[2, 3\]/);
    expect(() => createInpaintingSpace({ channels: [8] })).toThrow(/mixed encoding searches channels in \[min, max\]/);
    expect(() => createInpaintingSpace({ encoding: 'binary' as 'mixed' })).toThrow(/encoding must be 'categorical' or 'mixed', got "binary"/);
  });
});

describe('the active path', () => {
  const space = createInpaintingSpace({ encoding: 'mixed', nodes: 5, levelBack: 3, channels: [2, 4] });
  const task: TaskSpec = { inputShape: [16, 16, 1], classes: 0 };
  const architecture = EXAMPLE;

  it('is traced back from the output; the decoder mirrors the encoder', () => {
    validateArchitecture(space.variables, architecture);
    const plan = space.plan(architecture, task);
    expect(plan.active).toEqual([0, 2, 3]);
    expect(plan.layers.map((l) => [l.node, l.kernel, l.stride, l.inChannels, l.outChannels, l.decoderInChannels, l.inputSize, l.outputSize])).toEqual([
      [0, 3, 1, 1, 4, 3, [16, 16], [16, 16]],
      [2, 5, 2, 4, 3, 2, [16, 16], [8, 8]],
      [3, 1, 1, 3, 2, 2, [8, 8], [8, 8]],
    ]);
    expect(plan.outputInChannels).toBe(4);
  });

  it('leaves out down nodes that meet a 1-pixel map', () => {
    const down = mixed(
      [
        ['down', 3, 2, 'input'],
        ['down', 3, 2, 'node0'],
        ['down', 1, 4, 'node1'],
        ['down', 3, 2, 'node2'],
        ['skip', 5, 3, 'node3'],
      ],
      'node4',
    );
    const plan = space.plan(down, { inputShape: [4, 4, 1], classes: 0 });
    expect(plan.active).toEqual([0, 1, 2, 3, 4]);
    expect(plan.layers.map((l) => [l.node, l.inputSize, l.outputSize, l.inChannels])).toEqual([
      [0, [4, 4], [2, 2], 1],
      [1, [2, 2], [1, 1], 2],
      [4, [1, 1], [1, 1], 2],
    ]);
  });

  it('may be empty when the chain is shorter than the level-back: the output layer then reads the image', () => {
    const short = createInpaintingSpace({ encoding: 'mixed', nodes: 2, levelBack: 3, channels: [2, 4] });
    const a = mixed(
      [
        ['down', 3, 2, 'input'],
        ['skip', 1, 4, 'node0'],
      ],
      'input',
    );
    const t: TaskSpec = { inputShape: [12, 12, 2], classes: 0 };
    expect(short.plan(a, t)).toMatchObject({ active: [], layers: [], outputInChannels: 2, workingSize: [16, 16] });
    expect(short.describe(a).text).toContain('active nodes: none (of 2)');
    const supernet = short.createSupernet(t, new Rng(1));
    const model = short.buildModel(a, t, new Rng(2));
    copyWeights(short, supernet, model, a, t);
    const x = tf.randomUniform([1, 12, 12, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, supernet.apply(a, x, { training: false })))));
    expect(diff.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, diff]);
    model.dispose();
    supernet.dispose();
  });

  it('rejects invalid architectures, naming the variable', () => {
    expect(() => space.plan({ ...architecture, 'node2.channels': 9 }, task)).toThrow(/node2.channels: expected an integer in \[2, 4\], got 9/);
    expect(() => space.describe({ ...architecture, 'node3.input': 'node4' })).toThrow(/node3.input: expected one of/);
  });

  it('is the only part of the supernet that computes: gradients reach exactly its weights, inside their slices', () => {
    const supernet = space.createSupernet(task, new Rng(1));
    const images = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const batch = space.toBatch(images, null, task, new Rng(2));
    const byVariable = new Map(supernet.weights.map((w) => [w.variable.name, w.name]));
    const { value, grads } = tf.variableGrads(() => supernet.loss(architecture, batch, { training: true }));
    expect(
      Object.keys(grads)
        .map((n) => byVariable.get(n))
        .sort(),
    ).toEqual(
      [
        'node0/skip-3x3/conv',
        'node0/skip-3x3/deconv',
        'node2/down-5x5/conv',
        'node2/down-5x5/deconv',
        'node3/skip-1x1/conv',
        'node3/skip-1x1/deconv',
        'output/deconv',
      ].sort(),
    );
    const gradOf = (name: string) => grads[supernet.weights.find((w) => w.name === name)!.variable.name]!;
    // node2's conv reads node0's 4 channels and writes 3 of 4: only that slice has a gradient.
    const g = gradOf('node2/down-5x5/conv');
    const inside = tf.slice(g, [0, 0, 0, 0], [5, 5, 4, 3]);
    expect(tf.sum(tf.abs(inside)).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeCloseTo(tf.sum(tf.abs(inside)).dataSync()[0]!, 4);
    // node3's deconv writes node3's 2 channels from the 2 it reads (the last encoder output).
    const d = gradOf('node3/skip-1x1/deconv');
    expect(tf.sum(tf.abs(tf.slice(d, [0, 0, 2, 0], [1, 1, 2, 4]))).dataSync()[0]).toBe(0);
    expect(tf.sum(tf.abs(tf.slice(d, [0, 0, 0, 2], [1, 1, 4, 2]))).dataSync()[0]).toBe(0);
    tf.dispose([value, ...Object.values(grads), images, batch.inputs, batch.targets, inside]);
    supernet.dispose();
  });

  it('adds a skip node encoder output to its decoder output before the ReLU (worked by hand)', async () => {
    const one = createInpaintingSpace({ encoding: 'mixed', nodes: 1, levelBack: 1, channels: [1, 2], kernelSizes: [1, 3] });
    const arch = { 'node0.type': 'skip', 'node0.kernelIndex': 1, 'node0.channels': 1, 'node0.input': 'input', 'output.input': 'node0' };
    const t: TaskSpec = { inputShape: [4, 4, 1], classes: 0 };
    const supernet = one.createSupernet(t, new Rng(1));
    const assign = (name: string, shape: number[], at: number[], v: number) => {
      const values = tf.buffer(shape);
      values.set(v, ...at);
      supernet.weights.find((w) => w.name === name)!.variable.assign(values.toTensor());
    };
    // encoder: e = relu(2x); decoder: relu(-0.5 e + e) = x; output: 3 x (centre tap of the 3x3).
    assign('node0/skip-1x1/conv', [1, 1, 2, 2], [0, 0, 0, 0], 2);
    assign('node0/skip-1x1/deconv', [1, 1, 2, 2], [0, 0, 0, 0], -0.5);
    assign('output/deconv', [3, 3, 1, 2], [1, 1, 0, 0], 3);
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i / 16),
      [1, 4, 4, 1],
    );
    const y = supernet.apply(arch, x, { training: false });
    const expected = Array.from({ length: 16 }, (_, i) => (3 * i) / 16);
    Array.from(await y.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const model = one.buildModel(arch, t, new Rng(2));
    copyWeights(one, supernet, model, arch, t);
    const z = model.predict(x) as tf.Tensor;
    Array.from(await z.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y, z]);
    model.dispose();
    supernet.dispose();
  });
});

describe('standalone models', () => {
  const task: TaskSpec = { inputShape: [12, 12, 3], classes: 0 };

  for (const encoding of ['categorical', 'mixed'] as const) {
    it(`compute what the supernet computes with the same weights (${encoding}, padded 12 -> 16)`, () => {
      const space = createInpaintingSpace({ encoding, nodes: 6, levelBack: 3, channels: [2, 3, 5] });
      const supernet = space.createSupernet(task, new Rng(4));
      const rng = new Rng(5);
      const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
      let skips = 0;
      for (let k = 0; k < 4; k++) {
        const architecture = randomArchitecture(space.variables, rng);
        skips += space.plan(architecture, task).layers.filter((l) => l.type === 'skip').length;
        const model = space.buildModel(architecture, task, new Rng(k));
        copyWeights(space, supernet, model, architecture, task);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, supernet.apply(architecture, x, { training: false })))));
        expect(diff.dataSync()[0]).toBeLessThan(1e-5);
        diff.dispose();
        model.dispose();
      }
      expect(skips).toBeGreaterThan(0);
      x.dispose();
      supernet.dispose();
    });
  }

  it('are initialised from the RNG and survive a save/load round trip through tf.io', async () => {
    const space = createInpaintingSpace({ encoding: 'mixed', nodes: 5, levelBack: 2, channels: [2, 4] });
    const architecture = randomArchitecture(space.variables, new Rng(8));
    const model = space.buildModel(architecture, task, new Rng(9));
    const twin = space.buildModel(architecture, task, new Rng(9));
    const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
    const y = model.predict(x) as tf.Tensor;
    const yTwin = twin.predict(x) as tf.Tensor;
    expect(Array.from(yTwin.dataSync())).toEqual(Array.from(y.dataSync()));
    expect(model.layers.some((l) => l.name === 'crop')).toBe(true);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const yLoaded = loaded.predict(x) as tf.Tensor;
    expect(Array.from(yLoaded.dataSync())).toEqual(Array.from(y.dataSync()));
    expect(tf.max(tf.abs(y)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, y, yTwin, yLoaded]);
    [model, twin, loaded].forEach((m) => m.dispose());
  });
});

describe('the hole-weighted loss (holeWeight)', () => {
  const task: TaskSpec = { inputShape: [8, 8, 2], classes: 0 };
  const images = () => tf.tidy(() => tf.reshape(tf.div(tf.range(1, 129), 129), [1, 8, 8, 2]) as tf.Tensor4D);

  it('corrupts the inputs exactly as without it, and marks the dropped pixels for the loss', () => {
    const x = images();
    const plain = createInpaintingSpace({ ...tiny, mask: 'random-pixel' }).toBatch(x, null, task, new Rng(4));
    const weighted = createInpaintingSpace({ ...tiny, mask: 'random-pixel', holeWeight: 3 }).toBatch(x, null, task, new Rng(4));
    expect(plain.lossWeights).toBeUndefined();
    expect(Array.from(weighted.inputs.dataSync())).toEqual(Array.from(plain.inputs.dataSync()));
    expect(weighted.lossWeights!.shape).toEqual([1, 8, 8, 1]);
    const inputs = weighted.inputs.dataSync();
    const w = weighted.lossWeights!.dataSync();
    for (let p = 0; p < 64; p++) {
      // Every pixel of the image is > 0: one is dropped exactly when both its channels are zero.
      const dropped = inputs[2 * p] === 0 && inputs[2 * p + 1] === 0;
      expect(w[p]).toBe(dropped ? 1 : 0);
    }
    tf.dispose([x, plain.inputs, plain.targets, weighted.inputs, weighted.targets, weighted.lossWeights!]);
  });

  it('is the weighted mean of the squared error, worked by hand, and the plain mean with holeWeight 0', () => {
    const space = createInpaintingSpace({ ...tiny, holeWeight: 3 });
    const plainSpace = createInpaintingSpace(tiny);
    const supernet = space.createSupernet(task, new Rng(1));
    const plainSupernet = plainSpace.createSupernet(task, new Rng(1));
    const architecture = randomArchitecture(space.variables, new Rng(2));
    const x = images();
    const batch = space.toBatch(x, null, task, new Rng(3));
    const out = supernet.apply(architecture, batch.inputs, { training: true }).dataSync();
    const target = batch.targets.dataSync();
    const w = batch.lossWeights!.dataSync();
    let [num, den] = [0, 0];
    for (let i = 0; i < out.length; i++) {
      const weight = 1 + 3 * w[Math.floor(i / 2)]!;
      num += weight * (out[i]! - target[i]!) ** 2;
      den += weight;
    }
    const loss = supernet.loss(architecture, batch, { training: true });
    expect(loss.dataSync()[0]).toBeCloseTo(num / den, 6);
    // The center mask of an 8x8 image drops 16 of 64 pixels.
    expect(Array.from(w).reduce((a, b) => a + b, 0)).toBe(16);
    const plainBatch = plainSpace.toBatch(x, null, task, new Rng(3));
    const plainLoss = plainSupernet.loss(architecture, plainBatch, { training: true });
    const mean = Array.from(out).reduce((sum, o, i) => sum + (o - target[i]!) ** 2, 0) / out.length;
    expect(plainLoss.dataSync()[0]).toBeCloseTo(mean, 6);
    tf.dispose([x, loss, plainLoss, batch.inputs, batch.targets, batch.lossWeights!, plainBatch.inputs, plainBatch.targets]);
    supernet.dispose();
    plainSupernet.dispose();
  });

  it('ranks architectures by the selection hole weight where it differs (selectionLoss), the weights training on holeWeight', () => {
    const arch = randomArchitecture(createInpaintingSpace(tiny).variables, new Rng(2));
    const lossOf = (options: { holeWeight?: number; selectionHoleWeight?: number }, selection: boolean): number => {
      const space = createInpaintingSpace({ ...tiny, ...options });
      const supernet = space.createSupernet(task, new Rng(1));
      const x = images();
      const batch = space.toBatch(x, null, task, new Rng(3));
      const fn = selection ? supernet.selectionLoss : supernet.loss;
      if (fn === undefined) throw new Error('no selectionLoss');
      const value = tf.tidy(() => fn(arch, batch, { training: true }).dataSync()[0]!);
      tf.dispose([x, ...batchTensors(batch)]);
      supernet.dispose();
      return value;
    };
    // One loss for both steps unless the selection's weight differs.
    expect(createInpaintingSpace({ ...tiny, holeWeight: 3 }).createSupernet(task, new Rng(1)).selectionLoss).toBeUndefined();
    expect(createInpaintingSpace({ ...tiny, holeWeight: 3, selectionHoleWeight: 3 }).createSupernet(task, new Rng(1)).selectionLoss).toBeUndefined();
    const mixed = { holeWeight: 3, selectionHoleWeight: 10 };
    // The training loss is exactly the holeWeight 3 space's; the selection loss the holeWeight 10 space's.
    expect(lossOf(mixed, false)).toBe(lossOf({ holeWeight: 3 }, false));
    expect(lossOf(mixed, true)).toBe(lossOf({ holeWeight: 10 }, false));
    expect(lossOf(mixed, true)).not.toBe(lossOf(mixed, false));
    // A plain training loss with a weighted selection, and the reverse.
    expect(lossOf({ selectionHoleWeight: 3 }, false)).toBe(lossOf({}, false));
    expect(lossOf({ selectionHoleWeight: 3 }, true)).toBe(lossOf({ holeWeight: 3 }, false));
    expect(lossOf({ holeWeight: 3, selectionHoleWeight: 0 }, true)).toBe(lossOf({}, false));
  });

  it('rejects a negative or non-finite weight', () => {
    expect(() => createInpaintingSpace({ holeWeight: -1 })).toThrow(/holeWeight must be a finite number >= 0, got -1/);
    expect(() => createInpaintingSpace({ holeWeight: Number.NaN })).toThrow(/holeWeight must be a finite number >= 0, got NaN/);
    expect(() => createInpaintingSpace({ selectionHoleWeight: -2 })).toThrow(/selectionHoleWeight must be a finite number >= 0, got -2/);
  });
});

describe('describe', () => {
  it('lists the active chain (its diagram is the architecture graph)', () => {
    const space = createInpaintingSpace({ encoding: 'mixed', nodes: 5, levelBack: 3, channels: [2, 4] });
    const d = space.describe(EXAMPLE);
    expect(d.text).toContain('active nodes: node0 -> node2 -> node3 (of 5)');
    expect(d.text).toContain('node2: conv 5x5/2, 3 ch');
    expect(d.text).toContain('node3: deconv 1x1/1, 2 ch, + node3 encoder output before the ReLU');
    expect(d.diagrams).toBeUndefined();
  });
});

describe('searching with the engine', () => {
  it('searches the mixed encoding with ASNG on unlabelled images and restores them better than the corrupted input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-inpainting-'));
    try {
      const space = createInpaintingSpace({ encoding: 'mixed', nodes: 3, levelBack: 2, kernelSizes: [1, 3], channels: [2, 4], mask: 'random-pixel' });
      const dataset = blobs(64, 1);
      const beliefs: VariableBelief[][] = [];
      const result = await runSearch({
        space,
        dataset,
        runDir: dir,
        config: { seed: 2, batchSize: 4, steps: 24, learningRate: 0.05, weightDecay: 0, evaluationBatches: 4 },
        onEpoch: (e) => beliefs.push([...e.beliefs]),
      });
      expect(result.status).toBe('completed');
      validateArchitecture(space.variables, result.best);
      // The integer variables were searched by Gaussians, which ASNG moved from their initial mean and spread.
      const gaussians = beliefs.at(-1)!.filter((b) => b.kind === 'integer');
      expect(gaussians.map((b) => b.name)).toEqual([
        'node0.kernelIndex',
        'node0.channels',
        'node1.kernelIndex',
        'node1.channels',
        'node2.kernelIndex',
        'node2.channels',
      ]);
      const initial = (b: VariableBelief) => (b.name.endsWith('channels') ? { mean: 3, std: 1 } : { mean: 1.5, std: 0.5 });
      expect(
        gaussians.filter((b) => b.kind === 'integer' && Math.abs(b.std - initial(b).std) > 0.05 && Math.abs(b.mean - initial(b).mean) > 0.05).length,
      ).toBeGreaterThan(0);
      // Baseline: the PSNR of the corrupted images themselves, over the whole dataset.
      const raw = await dataset.split('train').read(Array.from({ length: 64 }, (_, i) => i));
      const images = tf.tidy(() => tf.div(tf.tensor4d(raw.images, [64, 16, 16, 1], 'float32'), 255) as tf.Tensor4D);
      const batch = space.toBatch(images, null, { inputShape: [16, 16, 1], classes: 0 }, new Rng(3));
      const [corrupted, clean] = [batch.inputs.dataSync(), batch.targets.dataSync()];
      let baseline = 0;
      for (let i = 0; i < 64; i++) baseline += psnr(corrupted.subarray(i * 256, (i + 1) * 256), clean.subarray(i * 256, (i + 1) * 256)) / 64;
      tf.dispose([images, batch.inputs, batch.targets]);
      expect(result.metrics.psnr).toBeGreaterThan(baseline + 1);
      expect(result.metrics.ssim).toBeGreaterThan(0);
      expect(result.metrics.ssim).toBeLessThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
