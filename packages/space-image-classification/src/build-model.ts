import * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, RandomSource, TaskSpec } from '@asng/core';
import { decodeCell, type CellGenotype, type CellOperation, type CellType } from './cell-architecture.js';
import { DropPath, type DropPathControl } from './drop-path.js';
import { TrainingBatchNorm } from './training-batch-norm.js';
import type { CellPlan, NetworkPlan } from './network-plan.js';

type Symbolic = tfl.SymbolicTensor;

/** Settings the standalone model needs from the space. */
export interface ModelSettings {
  readonly plan: NetworkPlan;
  readonly nodes: number;
  /** A training model: batch norms are {@link TrainingBatchNorm}s (the same weights, a faster gradient). */
  readonly training?: boolean;
  /** Training models only: add the auxiliary classifier as a second output. */
  readonly auxiliaryHead?: boolean;
  /** Training models only: drop-path on every path of the cells but the identities. */
  readonly dropPath?: DropPathControl;
}

/** Channels of the auxiliary head's two convolutions, as DARTS. */
const AUXILIARY_CHANNELS = [128, 768] as const;

/** The cell after which the auxiliary head branches off: at 2/3 of the depth (the second reduction cell), as DARTS. */
export const auxiliaryCell = (cells: number): number => Math.floor((2 * cells) / 3);

/**
 * Builds one architecture as a functional `tf.LayersModel` of standard
 * layers only, with the supernet's semantics: symmetric padding as PyTorch's
 * `padding=k//2` (explicit `zeroPadding2d` before 'valid' layers), average
 * pooling that counts the padding, batch norm without affine parameters in
 * the cells. The output is the logits.
 *
 * With `training` it builds the training model of the same architecture:
 * the same layers (the same names, the same initial weights for the same
 * `rng`), batch norms as {@link TrainingBatchNorm}s, and optionally
 * {@link DropPath} layers after every
 * operation but the identity, and the auxiliary classifier of DARTS on the
 * output of cell {@link auxiliaryCell} (ReLU, 5x5 average pooling of stride
 * 3, conv1x1 of 128 channels, BN, ReLU, conv2x2 of 768, BN, ReLU, global
 * average pooling, dense) as a second output.
 */
export function buildCellModel(settings: ModelSettings, architecture: Architecture, task: TaskSpec, rng: RandomSource): tfl.LayersModel {
  const { plan, nodes, dropPath } = settings;
  const seed = () => rng.uint32();
  // PyTorch's default initialisation, uniform in +-1/sqrt(fanIn); tfjs counts a depthwise kernel's fan-in over all channels.
  const kernelInit = (scale = 1 / 3) => tfl.initializers.varianceScaling({ scale, mode: 'fanIn', distribution: 'uniform', seed: seed() });
  // A batch norm without affine parameters is one whose gamma (1) and beta (0) are frozen: tfjs-layers' batch norm
  // reads gamma and beta in training mode even when it has none (center and scale false).
  const norm = (name: string, affine = false): tfl.layers.Layer =>
    settings.training
      ? new TrainingBatchNorm({ name, affine })
      : tfl.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-5, ...(affine ? {} : { trainable: false }) });
  const relu = (name: string, x: Symbolic) => tfl.layers.reLU({ name }).apply(x) as Symbolic;
  const conv1x1 = (name: string, x: Symbolic, filters: number, strides = 1) =>
    tfl.layers.conv2d({ name, filters, kernelSize: 1, strides, padding: 'valid', useBias: false, kernelInitializer: kernelInit() }).apply(x) as Symbolic;
  const pad = (name: string, x: Symbolic, p: number) =>
    tfl.layers
      .zeroPadding2d({
        name,
        padding: [
          [p, p],
          [p, p],
        ],
      })
      .apply(x) as Symbolic;

  const reluConvBn = (name: string, x: Symbolic, filters: number) =>
    norm(`${name}_bn`).apply(conv1x1(`${name}_conv`, relu(`${name}_relu`, x), filters)) as Symbolic;
  const factorizedReduce = (name: string, x: Symbolic, filters: number) => {
    const r = relu(`${name}_relu`, x);
    const cropped = tfl.layers
      .cropping2D({
        name: `${name}_shift`,
        cropping: [
          [1, 0],
          [1, 0],
        ],
      })
      .apply(r) as Symbolic;
    const shifted = tfl.layers
      .zeroPadding2d({
        name: `${name}_shift_pad`,
        padding: [
          [0, 1],
          [0, 1],
        ],
      })
      .apply(cropped) as Symbolic;
    const joined = tfl.layers
      .concatenate({ name: `${name}_concat`, axis: -1 })
      .apply([conv1x1(`${name}_conv1`, r, filters / 2, 2), conv1x1(`${name}_conv2`, shifted, filters / 2, 2)]) as Symbolic;
    return norm(`${name}_bn`).apply(joined) as Symbolic;
  };
  const sepConv = (name: string, x: Symbolic, k: number, strides: number, filters: number) => {
    let y = x;
    for (const part of [1, 2]) {
      y = pad(`${name}_pad${part}`, relu(`${name}_relu${part}`, y), (k - 1) / 2);
      y = tfl.layers
        .separableConv2d({
          name: `${name}_sep${part}`,
          filters,
          kernelSize: k,
          strides: part === 1 ? strides : 1,
          padding: 'valid',
          useBias: false,
          depthwiseInitializer: kernelInit(filters / 3),
          pointwiseInitializer: kernelInit(),
        })
        .apply(y) as Symbolic;
      y = norm(`${name}_bn${part}`).apply(y) as Symbolic;
    }
    return y;
  };
  const op = (name: string, kind: CellOperation, x: Symbolic, strides: number, filters: number): Symbolic => {
    switch (kind) {
      case 'identity':
        return strides === 1 ? x : factorizedReduce(`${name}_reduce`, x, filters);
      case 'avg_pool_3x3':
        return tfl.layers.averagePooling2d({ name, poolSize: 3, strides, padding: 'valid' }).apply(pad(`${name}_pad`, x, 1)) as Symbolic;
      case 'max_pool_3x3': {
        // 'same' pads symmetrically at stride 1; at stride 2 the windows centred on even pixels are picked, as PyTorch's padding=1.
        const pooled = tfl.layers.maxPooling2d({ name, poolSize: 3, strides: 1, padding: 'same' }).apply(x) as Symbolic;
        return strides === 1
          ? pooled
          : (tfl.layers.averagePooling2d({ name: `${name}_stride`, poolSize: 1, strides, padding: 'valid' }).apply(pooled) as Symbolic);
      }
      case 'sep_conv_3x3':
        return sepConv(name, x, 3, strides, filters);
      case 'sep_conv_5x5':
        return sepConv(name, x, 5, strides, filters);
    }
  };

  const cell = (p: CellPlan, genotype: CellGenotype, s0: Symbolic, s1: Symbolic): Symbolic => {
    const at = `cell${p.index}`;
    const c = p.channels;
    const states = [
      p.reduceInput0 ? factorizedReduce(`${at}_preprocess0`, s0, c) : reluConvBn(`${at}_preprocess0`, s0, c),
      reluConvBn(`${at}_preprocess1`, s1, c),
    ];
    genotype.nodes.forEach((node, i) => {
      const branch = (k: 0 | 1) => {
        const j = node.inputs[k];
        return op(`${at}_node${i}_input${j}_${node.ops[k]}`, node.ops[k], states[j]!, p.type === 'reduction' && j < 2 ? 2 : 1, c);
      };
      const first = branch(0);
      // The same operation on the same input is one module applied twice (as in the supernet). tfjs-layers' predict
      // frees a tensor too early when one layer takes it twice, so the second addend goes through a linear activation.
      const second =
        node.inputs[0] === node.inputs[1] && node.ops[0] === node.ops[1]
          ? (tfl.layers.activation({ name: `${at}_node${i}_twice`, activation: 'linear' }).apply(first) as Symbolic)
          : branch(1);
      // Drop-path on every path but an identity, as DARTS (a factorized reduce is no identity).
      const drop = (k: 0 | 1, x: Symbolic) =>
        dropPath === undefined || (node.ops[k] === 'identity' && !(p.type === 'reduction' && node.inputs[k] < 2))
          ? x
          : (new DropPath(dropPath, { name: `${at}_node${i}_drop${k + 1}` }).apply(x) as Symbolic);
      states.push(tfl.layers.add({ name: `${at}_node${i}` }).apply([drop(0, first), drop(1, second)]) as Symbolic);
    });
    const outs = genotype.outputNodes.map((k) => states[2 + k]!);
    const features = outs.length === 1 ? outs[0]! : (tfl.layers.concatenate({ name: `${at}_concat`, axis: -1 }).apply(outs) as Symbolic);
    return reluConvBn(`${at}_combine`, features, c);
  };

  const genotypes: Record<CellType, CellGenotype> = {
    normal: decodeCell(architecture, 'normal', nodes),
    reduction: decodeCell(architecture, 'reduction', nodes),
  };
  const input = tfl.input({ name: 'image', shape: [...task.inputShape] });
  const stemConv = tfl.layers
    .conv2d({ name: 'stem_conv', filters: plan.stemChannels, kernelSize: 3, padding: 'valid', useBias: false, kernelInitializer: kernelInit() })
    .apply(pad('stem_pad', input, 1)) as Symbolic;
  const stem = norm('stem_bn', true).apply(stemConv) as Symbolic;
  let s0 = stem;
  let s1 = stem;
  let auxiliaryInput: Symbolic | undefined;
  for (const p of plan.cells) {
    [s0, s1] = [s1, cell(p, genotypes[p.type], s0, s1)];
    if (p.index === auxiliaryCell(plan.cells.length)) auxiliaryInput = s1;
  }
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'global_pool' }).apply(s1) as Symbolic;
  const limit = 1 / Math.sqrt(plan.outputChannels);
  const logits = tfl.layers
    .dense({
      name: 'classifier',
      units: task.classes,
      kernelInitializer: kernelInit(),
      biasInitializer: tfl.initializers.randomUniform({ minval: -limit, maxval: limit, seed: seed() }),
    })
    .apply(pooled) as Symbolic;
  if (!settings.auxiliaryHead) return tfl.model({ name: 'image_classification', inputs: input, outputs: logits });
  // Built after the main network, so that its layers draw the same initial weights as buildModel's.
  let x = relu('aux_relu', auxiliaryInput!);
  const size = Math.min(...(x.shape.slice(1, 3) as number[]));
  if (size >= 5) x = tfl.layers.averagePooling2d({ name: 'aux_pool', poolSize: 5, strides: 3, padding: 'valid' }).apply(x) as Symbolic;
  x = relu('aux_relu1', norm('aux_bn1', true).apply(conv1x1('aux_conv1', x, AUXILIARY_CHANNELS[0])) as Symbolic);
  const k = Math.min(2, ...(x.shape.slice(1, 3) as number[]));
  x = tfl.layers
    .conv2d({ name: 'aux_conv2', filters: AUXILIARY_CHANNELS[1], kernelSize: k, padding: 'valid', useBias: false, kernelInitializer: kernelInit() })
    .apply(x) as Symbolic;
  x = relu('aux_relu2', norm('aux_bn2', true).apply(x) as Symbolic);
  x = tfl.layers.globalAveragePooling2d({ name: 'aux_global_pool' }).apply(x) as Symbolic;
  const auxiliary = tfl.layers.dense({ name: 'aux_classifier', units: task.classes, kernelInitializer: kernelInit() }).apply(x) as Symbolic;
  return tfl.model({ name: 'image_classification_training', inputs: input, outputs: [logits, auxiliary] });
}

/**
 * Trainable parameters of {@link buildCellModel}'s model (without training
 * extras), counted from the plan without building it: the stem convolution
 * and its affine batch norm, each cell's preprocessing, operations (an
 * operation applied twice to one input is one module) and combining
 * convolution, and the classifier. Batch norms inside the cells have no
 * trainable parameter; the preprocessing of a cell input that no node reads,
 * and a cell whose output no later cell reads, are not in the model.
 */
export function countCellModelParameters(settings: ModelSettings, architecture: Architecture, task: TaskSpec): number {
  const { plan, nodes } = settings;
  const inputChannels = task.inputShape[2];
  let total = 9 * inputChannels * plan.stemChannels + 2 * plan.stemChannels;
  const genotypes = plan.cells.map((p) => decodeCell(architecture, p.type, nodes));
  const reads = (cell: number, input: 0 | 1) => genotypes[cell]!.nodes.some((node) => node.inputs.includes(input));
  // A cell whose output no later cell reads (through its input 1 or, two cells on, its input 0) is not in the model.
  const used = plan.cells.map(() => false);
  for (let k = plan.cells.length - 1; k >= 0; k--) {
    used[k] = k === plan.cells.length - 1 || (used[k + 1]! && reads(k + 1, 1)) || (k + 2 < plan.cells.length && used[k + 2]! && reads(k + 2, 0));
  }
  for (const p of plan.cells) {
    if (!used[p.index]) continue;
    const c = p.channels;
    const genotype = genotypes[p.index]!;
    // A factorized reduce has two convolutions of c/2 filters: as many weights as a conv1x1 of c. The preprocessing
    // of a cell input no node reads is not part of the model.
    for (const k of [0, 1] as const) if (genotype.nodes.some((node) => node.inputs.includes(k))) total += p.inputChannels[k] * c;
    const opParameters = (op: CellOperation, j: number): number => {
      if (op === 'identity') return p.type === 'reduction' && j < 2 ? c * c : 0;
      if (op === 'sep_conv_3x3') return 2 * (9 * c + c * c);
      if (op === 'sep_conv_5x5') return 2 * (25 * c + c * c);
      return 0;
    };
    for (const node of genotype.nodes) {
      total += opParameters(node.ops[0], node.inputs[0]);
      if (!(node.inputs[0] === node.inputs[1] && node.ops[0] === node.ops[1])) total += opParameters(node.ops[1], node.inputs[1]);
    }
    total += genotype.outputNodes.length * c * c;
  }
  return total + plan.outputChannels * task.classes + task.classes;
}
