import * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, RandomSource, TaskSpec } from '@asng/core';
import { decodeCell, type CellGenotype, type CellOperation, type CellType } from './cell-architecture.js';
import type { CellPlan, NetworkPlan } from './network-plan.js';

type Symbolic = tfl.SymbolicTensor;

/** Settings the standalone model needs from the space. */
export interface ModelSettings {
  readonly plan: NetworkPlan;
  readonly nodes: number;
}

/**
 * Builds one architecture as a functional `tf.LayersModel` of standard
 * layers only, with the supernet's semantics: symmetric padding as PyTorch's
 * `padding=k//2` (explicit `zeroPadding2d` before 'valid' layers), average
 * pooling that counts the padding, batch norm without affine parameters in
 * the cells. The output is the logits.
 */
export function buildCellModel(settings: ModelSettings, architecture: Architecture, task: TaskSpec, rng: RandomSource): tfl.LayersModel {
  const { plan, nodes } = settings;
  const seed = () => rng.uint32();
  // PyTorch's default initialisation, uniform in +-1/sqrt(fanIn); tfjs counts a depthwise kernel's fan-in over all channels.
  const kernelInit = (scale = 1 / 3) => tfl.initializers.varianceScaling({ scale, mode: 'fanIn', distribution: 'uniform', seed: seed() });
  // A batch norm without affine parameters is one whose gamma (1) and beta (0) are frozen: tfjs-layers' batch norm
  // reads gamma and beta in training mode even when it has none (center and scale false).
  const norm = (name: string, affine = false) =>
    tfl.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-5, ...(affine ? {} : { trainable: false }) });
  const relu = (name: string, x: Symbolic) => tfl.layers.reLU({ name }).apply(x) as Symbolic;
  const conv1x1 = (name: string, x: Symbolic, filters: number, strides = 1) =>
    tfl.layers.conv2d({ name, filters, kernelSize: 1, strides, padding: 'valid', useBias: false, kernelInitializer: kernelInit() }).apply(x) as Symbolic;
  const pad = (name: string, x: Symbolic, p: number) => tfl.layers.zeroPadding2d({ name, padding: [[p, p], [p, p]] }).apply(x) as Symbolic;

  const reluConvBn = (name: string, x: Symbolic, filters: number) => norm(`${name}_bn`).apply(conv1x1(`${name}_conv`, relu(`${name}_relu`, x), filters)) as Symbolic;
  const factorizedReduce = (name: string, x: Symbolic, filters: number) => {
    const r = relu(`${name}_relu`, x);
    const cropped = tfl.layers.cropping2D({ name: `${name}_shift`, cropping: [[1, 0], [1, 0]] }).apply(r) as Symbolic;
    const shifted = tfl.layers.zeroPadding2d({ name: `${name}_shift_pad`, padding: [[0, 1], [0, 1]] }).apply(cropped) as Symbolic;
    const joined = tfl.layers.concatenate({ name: `${name}_concat`, axis: -1 }).apply([
      conv1x1(`${name}_conv1`, r, filters / 2, 2),
      conv1x1(`${name}_conv2`, shifted, filters / 2, 2),
    ]) as Symbolic;
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
        return strides === 1 ? pooled : (tfl.layers.averagePooling2d({ name: `${name}_stride`, poolSize: 1, strides, padding: 'valid' }).apply(pooled) as Symbolic);
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
    const states = [p.reduceInput0 ? factorizedReduce(`${at}_preprocess0`, s0, c) : reluConvBn(`${at}_preprocess0`, s0, c), reluConvBn(`${at}_preprocess1`, s1, c)];
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
      states.push(tfl.layers.add({ name: `${at}_node${i}` }).apply([first, second]) as Symbolic);
    });
    const outs = genotype.outputNodes.map((k) => states[2 + k]!);
    const features = outs.length === 1 ? outs[0]! : (tfl.layers.concatenate({ name: `${at}_concat`, axis: -1 }).apply(outs) as Symbolic);
    return reluConvBn(`${at}_combine`, features, c);
  };

  const genotypes: Record<CellType, CellGenotype> = { normal: decodeCell(architecture, 'normal', nodes), reduction: decodeCell(architecture, 'reduction', nodes) };
  const input = tfl.input({ name: 'image', shape: [...task.inputShape] });
  const stemConv = tfl.layers
    .conv2d({ name: 'stem_conv', filters: plan.stemChannels, kernelSize: 3, padding: 'valid', useBias: false, kernelInitializer: kernelInit() })
    .apply(pad('stem_pad', input, 1)) as Symbolic;
  const stem = norm('stem_bn', true).apply(stemConv) as Symbolic;
  let s0 = stem;
  let s1 = stem;
  for (const p of plan.cells) [s0, s1] = [s1, cell(p, genotypes[p.type], s0, s1)];
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
  return tfl.model({ name: 'image_classification', inputs: input, outputs: logits });
}
