import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  validateArchitecture,
  type Architecture,
  type ArchitectureGraphDescriber,
  type Batch,
  type CorruptionNamer,
  type NamedWeight,
  type OutputScorer,
  type ParameterCounter,
  type RandomSource,
  type SearchSpace,
  type Supernet,
  type TaskSpec,
} from '@asng/core';
import {
  chainVariables,
  decodeChain,
  planChain,
  planParameterCount,
  type ChainGenes,
  type ChainPlan,
  type ChainSpec,
  type InpaintingEncoding,
} from './architecture.js';
import { budgetWidthPlanner } from './budget-width.js';
import { describeChain } from './describe-chain.js';
import { chainArchitectureGraph } from './chain-graph.js';
import { applyMask, corruptImages, maskByName, type Mask, type MaskName } from './masks.js';
import { scoreRestorations } from './evaluation.js';

/** Options of {@link createInpaintingSpace}. */
export interface InpaintingSpaceOptions {
  /**
   * `'categorical'`: per node, the module (kernel x skip/down), the channels
   * and the input are categorical. `'mixed'`: skip/down and the input are
   * categorical, the kernel index and the channels are integers searched by
   * Gaussians.
   * @default 'mixed'
   */
  readonly encoding?: InpaintingEncoding;
  /** Number of convolution nodes in the chain (the paper: 20). @default 20 */
  readonly nodes?: number;
  /** Level-back: a node reads one of the previous `levelBack` nodes, the input image counting as one (the paper: 5). @default 5 */
  readonly levelBack?: number;
  /** Kernel sizes, odd (the paper: `[1, 3, 5]`). @default [1, 3, 5] */
  readonly kernelSizes?: readonly number[];
  /**
   * Channel counts: the choices of the categorical encoding; the mixed
   * encoding searches every integer from the smallest to the largest. The
   * paper uses `[64, 128, 256]`, whose supernet holds 183M weights; the
   * default is small enough to train on a CPU.
   * @default [8, 16, 32]
   */
  readonly channels?: readonly number[];
  /** The corruption of the inputs: a {@link Mask} or the name of one of the paper's. @default 'center' */
  readonly mask?: Mask | MaskName;
  /**
   * A budget-width search: the supernet (loss, `apply`, `evaluate`) runs each
   * architecture with its channels scaled proportionally
   * (`scaleChainChannels`) to the widest scaling, up to
   * `supernetChannels`, whose `buildModel` model has at most this many
   * weights, as an equal-budget retraining would scale it. Without it (the
   * paper) every architecture runs at its searched channels, where
   * architectures with more weights win by capacity that an equal-budget
   * retraining takes away. `buildModel`, `plan` and `countParameters` are
   * not affected.
   * @default undefined
   */
  readonly parameterBudget?: number;
  /**
   * Channels the supernet stores per node (at least the largest of
   * `channels`): with `parameterBudget`, no node runs wider. Choose it at
   * least the width the light architectures get within the budget.
   * @default the largest of `channels`
   */
  readonly supernetChannels?: number;
  /**
   * Extra weight of the dropped pixels in the supernet's loss (weight step
   * and distribution step): each pixel the mask dropped counts `1 +
   * holeWeight` times, each kept pixel once (a weighted mean of the squared
   * error; `toBatch` attaches the mask of dropped pixels, 1 where dropped
   * and 0 where kept, as the batch's `lossWeights`). `0` (the paper) is the
   * plain mean squared error over the whole image, in which the kept pixels,
   * which the skip connections pass through, weigh as much as the hole; a
   * larger weight ranks the chains by how they fill the hole. The loss of
   * the retrained networks and every metric (`evaluate`, `scoreOutputs`) are
   * not affected.
   * @default 0
   */
  readonly holeWeight?: number;
  /**
   * The hole weight of the loss the distribution step ranks architectures by
   * (the supernet's `selectionLoss`), where it should differ from the
   * weights' `holeWeight`: the shared weights then train on one loss and the
   * architectures are compared on another (for example `holeWeight: 3,
   * selectionHoleWeight: 10` ranks them mostly by the hole they fill).
   * @default holeWeight (one loss for both steps)
   */
  readonly selectionHoleWeight?: number;
}

/**
 * The {@link SearchSpace} of {@link createInpaintingSpace}, with its resolved
 * settings; it names its corruption (`corruption`, the mask's name, used by
 * the CLI to label restoration samples) and scores restorations
 * (`scoreOutputs`: per-image MSE, PSNR and SSIM, used by the CLI's retraining
 * and evaluation), and gives the graph of an architecture's active chain
 * (`architectureGraph`, drawn by `asng report`).
 */
export interface InpaintingSpace extends SearchSpace, CorruptionNamer, OutputScorer, ArchitectureGraphDescriber, ParameterCounter {
  /** The chain the variables describe. */
  readonly chain: ChainSpec;
  /** The corruption applied by `toBatch`. */
  readonly mask: Mask;
  /** The encoder and mirrored decoder `architecture` computes for `task` (which nodes are active, which layers run). */
  plan(architecture: Architecture, task: TaskSpec): ChainPlan;
  /** The plan the supernet runs `architecture` at: {@link InpaintingSpace.plan}, scaled to the `parameterBudget` when there is one. */
  supernetPlan(architecture: Architecture, task: TaskSpec): ChainPlan;
  /** The number of weights of the supernet for `task` (183.5M at the paper's sizes on RGB images), without allocating them. */
  supernetWeightCount(task: TaskSpec): number;
}

let variableCounter = 0;

function heNormal(rng: RandomSource, shape: readonly number[], fanIn: number, gain = 2): Float32Array {
  const std = Math.sqrt(gain / fanIn);
  const out = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  return out;
}

/** The zero padding that takes `size` to `working`, `[before, after]`, centred. */
function padding(size: number, working: number): [number, number] {
  const before = Math.floor((working - size) / 2);
  return [before, working - size - before];
}

function checkOptions(spec: ChainSpec, options: InpaintingSpaceOptions): void {
  const where = 'createInpaintingSpace';
  if (spec.encoding !== 'categorical' && spec.encoding !== 'mixed') {
    throw new RangeError(`${where}: encoding must be 'categorical' or 'mixed', got ${JSON.stringify(spec.encoding)}`);
  }
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1) throw new RangeError(`${where}: nodes must be an integer >= 1, got ${spec.nodes}`);
  if (!Number.isInteger(spec.levelBack) || spec.levelBack < 1) {
    throw new RangeError(`${where}: levelBack must be an integer >= 1, got ${spec.levelBack}`);
  }
  const ks = spec.kernelSizes;
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k % 2 === 0) || new Set(ks).size !== ks.length) {
    throw new RangeError(`${where}: kernelSizes must be distinct odd positive integers, got [${ks.join(', ')}]`);
  }
  const cs = spec.channels;
  if (cs.length === 0 || cs.some((c) => !Number.isInteger(c) || c < 1) || new Set(cs).size !== cs.length) {
    throw new RangeError(`${where}: channels must be distinct positive integers, got [${cs.join(', ')}]`);
  }
  if (spec.encoding === 'mixed' && cs.length < 2) {
    throw new RangeError(`${where}: the mixed encoding searches channels in [min, max] and needs two distinct values, got [${cs.join(', ')}]`);
  }
  if (spec.encoding === 'mixed' && ks.length < 2) {
    throw new RangeError(`${where}: the mixed encoding searches a kernel index and needs at least two kernel sizes, got [${ks.join(', ')}]`);
  }
  const { parameterBudget: budget, supernetChannels: stored } = options;
  if (budget !== undefined && !(Number.isSafeInteger(budget) && budget >= 1)) {
    throw new RangeError(`${where}: parameterBudget: expected an integer >= 1, got ${budget}`);
  }
  const widest = Math.max(...spec.channels);
  if (stored !== undefined && !(Number.isSafeInteger(stored) && stored >= widest)) {
    throw new RangeError(`${where}: supernetChannels: expected an integer >= the largest of channels (${widest}), got ${stored}`);
  }
}

function checkImageTask(task: TaskSpec): void {
  if (task.classes !== 0) throw new RangeError(`inpainting: expected an image-to-image task (classes 0), got ${task.classes} classes`);
}

/**
 * The inpainting search space of the paper: a convolutional autoencoder
 * whose encoder is a chain of convolution nodes with level-back connections
 * (Suganuma et al.'s CAE chain, as in the authors' `cae_model.py`). Each
 * node takes its single input from one of the `levelBack` preceding nodes
 * (the input image counting as one); the active path is traced back from the
 * output layer. The encoder is the active nodes in order (convolution,
 * ReLU; a down node has stride 2 and is left out when the map is already one
 * pixel high or wide; a skip node has stride 1); the decoder mirrors them in
 * reverse with transposed convolutions of the same kernel and stride (ReLU;
 * a skip node adds its encoder output before the ReLU); the output layer is
 * a 3x3 transposed convolution to the image channels, with no activation. No
 * batch norm, no bias. Images are zero-padded to powers of two in height and
 * width inside the network (and the output cropped back), so any image size
 * mirrors exactly.
 *
 * With the paper's sizes (20 nodes, level-back 5, 3 kernels, 3 channel
 * counts) the categorical encoding has 63 variables and `N = 214` free
 * parameters; the mixed encoding `N = 174`.
 *
 * The supernet computes only the active path; each node and module holds
 * one convolution and one transposed-convolution weight at the largest
 * channel count (`supernetChannels`), which narrower choices slice; with
 * `parameterBudget`, each architecture runs scaled to that budget. `toBatch` corrupts the clean
 * images with the mask (targets: the clean images); the loss is the mean
 * squared error (with `holeWeight`, weighted towards the dropped pixels); `evaluate` sums, per image, PSNR and SSIM of the output
 * clipped to `[0, 1]` and the mean squared error (`loss`). SSIM needs
 * images of at least 11x11 pixels.
 *
 * @example
 * ```ts // not runnable
 * const space = createInpaintingSpace({ encoding: 'mixed', mask: 'center' });
 * await runSearch({ space, dataset, runDir: 'runs/inpainting' });
 * ```
 */
export function createInpaintingSpace(options: InpaintingSpaceOptions = {}): InpaintingSpace {
  const chain: ChainSpec = {
    encoding: options.encoding ?? 'mixed',
    nodes: options.nodes ?? 20,
    levelBack: options.levelBack ?? 5,
    kernelSizes: [...(options.kernelSizes ?? [1, 3, 5])],
    channels: [...(options.channels ?? [8, 16, 32])],
  };
  checkOptions(chain, options);
  const holeWeight = options.holeWeight ?? 0;
  if (!(Number.isFinite(holeWeight) && holeWeight >= 0))
    throw new RangeError(`createInpaintingSpace: holeWeight must be a finite number >= 0, got ${options.holeWeight}`);
  const selectionHoleWeight = options.selectionHoleWeight ?? holeWeight;
  if (!(Number.isFinite(selectionHoleWeight) && selectionHoleWeight >= 0))
    throw new RangeError(`createInpaintingSpace: selectionHoleWeight must be a finite number >= 0, got ${options.selectionHoleWeight}`);
  const mask = typeof options.mask === 'object' ? options.mask : maskByName(options.mask ?? 'center');
  const variables = chainVariables(chain);
  const widest = Math.max(...chain.channels);
  const maxChannels = options.supernetChannels ?? widest;
  const genesOf = (architecture: Architecture): ChainGenes => {
    validateArchitecture(variables, architecture);
    return decodeChain(chain, architecture);
  };
  const plan = (architecture: Architecture, task: TaskSpec): ChainPlan => {
    const [h, w, c] = task.inputShape;
    return planChain(genesOf(architecture), h, w, c);
  };
  const budget = options.parameterBudget;
  const scaledPlan = budget === undefined ? undefined : budgetWidthPlanner({ widest, supernetChannels: maxChannels, parameterBudget: budget }, genesOf);
  const supernetPlan = (architecture: Architecture, task: TaskSpec): ChainPlan =>
    scaledPlan === undefined ? plan(architecture, task) : scaledPlan(architecture, task.inputShape);

  const createSupernet = (task: TaskSpec, rng: RandomSource): Supernet => {
    checkImageTask(task);
    const imageChannels = task.inputShape[2];
    const convIn = Math.max(maxChannels, imageChannels);
    const weights: NamedWeight[] = [];
    const add = (name: string, shape: number[], fanIn: number, gain?: number): tf.Variable => {
      const values = heNormal(rng, shape, fanIn, gain);
      const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `inpainting/${name}/${variableCounter++}`));
      weights.push({ name, variable, trainable: true });
      return variable;
    };
    const conv = new Map<string, tf.Variable>();
    const deconv = new Map<string, tf.Variable>();
    for (let i = 0; i < chain.nodes; i++) {
      for (const k of chain.kernelSizes) {
        for (const type of ['skip', 'down'] as const) {
          const key = `node${i}/${type}-${k}x${k}`;
          conv.set(key, add(`${key}/conv`, [k, k, convIn, maxChannels], k * k * convIn));
          deconv.set(key, add(`${key}/deconv`, [k, k, maxChannels, maxChannels], k * k * maxChannels));
        }
      }
    }
    const outputWeight = add('output/deconv', [3, 3, imageChannels, convIn], 9 * convIn, 1);

    const forward = (architecture: Architecture, inputs: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        const [n, h, w, c] = inputs.shape;
        if (c !== imageChannels) throw new RangeError(`inpainting supernet: expected ${imageChannels} input channels, got ${c}`);
        const p = supernetPlan(architecture, { inputShape: [h, w, c], classes: 0 });
        const [padY, padX] = [padding(h, p.workingSize[0]), padding(w, p.workingSize[1])];
        let x: tf.Tensor4D = padY[0] + padY[1] + padX[0] + padX[1] > 0 ? tf.pad(inputs, [[0, 0], padY, padX, [0, 0]]) : inputs;
        const skips: tf.Tensor4D[] = [];
        for (const layer of p.layers) {
          const key = `node${layer.node}/${layer.type}-${layer.kernel}x${layer.kernel}`;
          const kernel = tf.slice(conv.get(key)!, [0, 0, 0, 0], [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels]) as tf.Tensor4D;
          x = tf.relu(tf.conv2d(x, kernel, layer.stride, 'same'));
          if (layer.type === 'skip') skips.push(x);
        }
        for (let j = p.layers.length - 1; j >= 0; j--) {
          const layer = p.layers[j]!;
          const key = `node${layer.node}/${layer.type}-${layer.kernel}x${layer.kernel}`;
          const kernel = tf.slice(deconv.get(key)!, [0, 0, 0, 0], [layer.kernel, layer.kernel, layer.outChannels, layer.decoderInChannels]) as tf.Tensor4D;
          const y = tf.conv2dTranspose(x, kernel, [n, layer.inputSize[0], layer.inputSize[1], layer.outChannels], layer.stride, 'same');
          x = tf.relu(layer.type === 'skip' ? tf.add(y, skips.pop()!) : y);
        }
        const outKernel = tf.slice(outputWeight, [0, 0, 0, 0], [3, 3, imageChannels, p.outputInChannels]) as tf.Tensor4D;
        const out = tf.conv2dTranspose(x, outKernel, [n, p.workingSize[0], p.workingSize[1], imageChannels], 1, 'same');
        return out.shape[1] === h && out.shape[2] === w ? out : (tf.slice(out, [0, padY[0], padX[0], 0], [n, h, w, imageChannels]) as tf.Tensor4D);
      });

    /** The mean squared error, each dropped pixel (`batch.lossWeights` 1) counting `1 + weight` times. */
    const weightedLoss = (architecture: Architecture, batch: Batch, weight: number): tf.Scalar =>
      tf.tidy(() => {
        const squared = tf.squaredDifference(forward(architecture, batch.inputs), batch.targets);
        if (weight === 0 || batch.lossWeights === undefined) return tf.mean(squared) as tf.Scalar;
        // The weighted mean over every element: the weights broadcast over the channels.
        const weights = tf.mul(tf.add(1, tf.mul(weight, batch.lossWeights)), tf.onesLike(squared));
        return tf.div(tf.sum(tf.mul(squared, weights)), tf.sum(weights)) as tf.Scalar;
      });

    return {
      weights,
      apply: (architecture, inputs) => forward(architecture, inputs),
      loss: (architecture, batch) => weightedLoss(architecture, batch, holeWeight),
      ...(selectionHoleWeight !== holeWeight
        ? { selectionLoss: (architecture: Architecture, batch: Batch) => weightedLoss(architecture, batch, selectionHoleWeight) }
        : {}),
      async evaluate(architecture, batch) {
        const out = forward(architecture, batch.inputs);
        const [outputs, targets] = await Promise.all([out.data(), batch.targets.data()]);
        out.dispose();
        return { ...scoreRestorations(outputs, targets, batch.inputs.shape) };
      },
      dispose: () => tf.dispose(weights.map((x) => x.variable)),
    };
  };

  const buildModel = (architecture: Architecture, task: TaskSpec, rng: RandomSource): tfl.LayersModel => {
    checkImageTask(task);
    const [h, w, c] = task.inputShape;
    const p = planChain(genesOf(architecture), h, w, c);
    const [padY, padX] = [padding(h, p.workingSize[0]), padding(w, p.workingSize[1])];
    const initial: { layer: tfl.layers.Layer; shape: number[]; fanIn: number; gain: number }[] = [];
    const input = tfl.input({ shape: [h, w, c], name: 'image' });
    let x = input;
    if (p.workingSize[0] !== h || p.workingSize[1] !== w) {
      x = tfl.layers.zeroPadding2d({ padding: [padY, padX], name: 'pad' }).apply(x) as tfl.SymbolicTensor;
    }
    const skips: tfl.SymbolicTensor[] = [];
    for (const layer of p.layers) {
      const conv = tfl.layers.conv2d({
        filters: layer.outChannels,
        kernelSize: layer.kernel,
        strides: layer.stride,
        padding: 'same',
        useBias: false,
        activation: 'relu',
        kernelInitializer: 'zeros',
        name: `node${layer.node}_conv`,
      });
      initial.push({
        layer: conv,
        shape: [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels],
        fanIn: layer.kernel ** 2 * layer.inChannels,
        gain: 2,
      });
      x = conv.apply(x) as tfl.SymbolicTensor;
      if (layer.type === 'skip') skips.push(x);
    }
    for (let j = p.layers.length - 1; j >= 0; j--) {
      const layer = p.layers[j]!;
      const skip = layer.type === 'skip';
      const deconv = tfl.layers.conv2dTranspose({
        filters: layer.outChannels,
        kernelSize: layer.kernel,
        strides: layer.stride,
        padding: 'same',
        useBias: false,
        activation: skip ? 'linear' : 'relu',
        kernelInitializer: 'zeros',
        name: `node${layer.node}_deconv`,
      });
      initial.push({
        layer: deconv,
        shape: [layer.kernel, layer.kernel, layer.outChannels, layer.decoderInChannels],
        fanIn: layer.kernel ** 2 * layer.decoderInChannels,
        gain: 2,
      });
      x = deconv.apply(x) as tfl.SymbolicTensor;
      if (skip) {
        x = tfl.layers.add({ name: `node${layer.node}_skip` }).apply([x, skips.pop()!]) as tfl.SymbolicTensor;
        x = tfl.layers.activation({ activation: 'relu', name: `node${layer.node}_relu` }).apply(x) as tfl.SymbolicTensor;
      }
    }
    const output = tfl.layers.conv2dTranspose({
      filters: c,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: 'zeros',
      name: 'output_deconv',
    });
    initial.push({ layer: output, shape: [3, 3, c, p.outputInChannels], fanIn: 9 * p.outputInChannels, gain: 1 });
    x = output.apply(x) as tfl.SymbolicTensor;
    if (p.workingSize[0] !== h || p.workingSize[1] !== w) {
      x = tfl.layers.cropping2D({ cropping: [padY, padX], name: 'crop' }).apply(x) as tfl.SymbolicTensor;
    }
    const model = tfl.model({ inputs: input, outputs: x, name: 'inpainting_cae' });
    for (const { layer, shape, fanIn, gain } of initial) {
      const value = tf.tensor(heNormal(rng, shape, fanIn, gain), shape);
      layer.setWeights([value]);
      value.dispose();
    }
    return model;
  };

  return {
    name: 'inpainting',
    variables,
    metric: { name: 'psnr', higherIsBetter: true },
    kind: 'image-to-image',
    chain,
    mask,
    corruption: mask.name,
    scoreOutputs(outputs, targets, shape) {
      if (shape.length !== 4) throw new RangeError(`inpainting: scoreOutputs: expected an NHWC shape, got [${shape.join(', ')}]`);
      const sums = scoreRestorations(outputs, targets, [shape[0]!, shape[1]!, shape[2]!, shape[3]!]);
      return { mse: sums.loss, psnr: sums.psnr, ssim: sums.ssim };
    },
    plan,
    supernetPlan,
    countParameters: (architecture, task) => planParameterCount(plan(architecture, task), task.inputShape[2]),
    supernetWeightCount(task: TaskSpec): number {
      const convIn = Math.max(maxChannels, task.inputShape[2]);
      const perNode = chain.kernelSizes.reduce((sum, k) => sum + 2 * k * k * (convIn * maxChannels + maxChannels * maxChannels), 0);
      return chain.nodes * perNode + 9 * task.inputShape[2] * convIn;
    },
    toBatch(images: tf.Tensor4D, _labels: tf.Tensor1D | null, _task: TaskSpec, rng: RandomSource): Batch {
      if (holeWeight === 0 && selectionHoleWeight === 0) return { inputs: applyMask(images, mask, rng), targets: tf.clone(images) };
      // The same draws as applyMask, so that the corrupted images do not depend on the hole weights.
      const { inputs, keep } = corruptImages(images, mask, rng);
      // The dropped pixels: the losses weight them (weightedLoss).
      const lossWeights = tf.tidy(() => tf.sub(1, keep) as tf.Tensor4D);
      keep.dispose();
      return { inputs, targets: tf.clone(images), lossWeights };
    },
    createSupernet,
    buildModel,
    describe: (architecture) => describeChain(genesOf(architecture)),
    architectureGraph: (architecture) =>
      chainArchitectureGraph(genesOf(architecture), `inpainting (${chain.encoding} encoding): a chain of ${chain.nodes} nodes, level-back ${chain.levelBack}`),
  };
}
