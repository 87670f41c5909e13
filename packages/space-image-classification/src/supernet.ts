import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, Batch, ForwardOptions, NamedWeight, RandomSource, Supernet, TaskSpec } from '@asng/core';
import { interleaveChannels, leading } from './budget-width.js';
import { decodeCell, type CellGenotype, type CellOperation, type CellType } from './cell-architecture.js';
import type { CellPlan, NetworkPlan } from './network-plan.js';
import { batchNorm, type BatchNormWeights, type NormMode } from './supernet-norm.js';

interface SepConvWeights {
  readonly depthwise: readonly [tf.Variable, tf.Variable];
  readonly pointwise: readonly [tf.Variable, tf.Variable];
  readonly norms: readonly [BatchNormWeights, BatchNormWeights];
}

interface FactorizedReduceWeights {
  readonly convs: readonly [tf.Variable, tf.Variable];
  readonly norm: BatchNormWeights;
}

interface ReluConvBnWeights {
  readonly conv: tf.Variable;
  readonly norm: BatchNormWeights;
}

/** The weights of one operation on one edge; `null` for the weightless ones. */
type OpWeights = SepConvWeights | FactorizedReduceWeights | null;

interface CellWeights {
  readonly plan: CellPlan;
  readonly preprocess: readonly [ReluConvBnWeights | FactorizedReduceWeights, ReluConvBnWeights];
  /** `edges[node][input]` maps each operation to its weights. */
  readonly edges: readonly (readonly ReadonlyMap<CellOperation, OpWeights>[])[];
  /** The 1x1 combining convolution, one `[1, 1, C, C]` slice per node. */
  readonly combine: readonly tf.Variable[];
  readonly combineNorm: BatchNormWeights;
}

let instances = 0;

/** Creates every weight with a stable name; tfjs variable names get a per-instance prefix to stay unique. */
class WeightStore {
  readonly weights: NamedWeight[] = [];
  private readonly prefix = `asng-image-classification-${instances++}`;
  constructor(private readonly rng: RandomSource) {}

  /** A convolution kernel, PyTorch's default initialisation: uniform in `+-1/sqrt(fanIn)`. */
  kernel(name: string, shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    const size = shape.reduce((p, d) => p * d, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * this.rng.uniform() - 1) * bound;
    return this.add(name, tf.tensor(values, shape, 'float32'), true);
  }

  norm(name: string, channels: number, affine: boolean): BatchNormWeights {
    const mean = this.add(`${name}/moving_mean`, tf.zeros([channels]), false);
    const variance = this.add(`${name}/moving_variance`, tf.ones([channels]), false);
    if (!affine) return { mean, variance };
    return { mean, variance, gamma: this.add(`${name}/gamma`, tf.ones([channels]), true), beta: this.add(`${name}/beta`, tf.zeros([channels]), true) };
  }

  add(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    const variable = tf.variable(init, trainable, `${this.prefix}/${name}`);
    init.dispose();
    this.weights.push({ name, variable, trainable });
    return variable;
  }
}

/** Settings the supernet needs from the space. */
export interface SupernetSettings {
  readonly plan: NetworkPlan;
  readonly nodes: number;
  readonly operations: readonly CellOperation[];
  /** How {@link Supernet.evaluate} normalises. */
  readonly evaluationNorm: 'batch' | 'moving';
  /** Recompute each cell's forward pass in the backward pass instead of keeping its activations. */
  readonly recomputeCells: boolean;
  /**
   * A budget-width search: the plan (no wider than `plan`) each architecture
   * runs at, on the leading channels of the weights; absent: every
   * architecture at `plan`, as in the paper.
   */
  readonly planFor?: (architecture: Architecture) => NetworkPlan;
}

/** The width one cell runs at, and whether factorized reductions interleave their halves (budget-width searches). */
interface Width {
  readonly channels: number;
  readonly interleave: boolean;
}

function reluConvBn(x: tf.Tensor4D, w: ReluConvBnWeights, mode: NormMode, channels: number): tf.Tensor4D {
  return batchNorm(tf.conv2d(tf.relu(x), leading(w.conv, [1, 1, x.shape[3], channels]) as tf.Tensor4D, 1, 'valid'), w.norm, mode);
}

/**
 * ReLU, then two 1x1 stride-2 convolutions, one on the input and one on the
 * input shifted by one pixel, concatenated; batch norm. The shifted copy is
 * zero-padded at the end so that odd sizes give `ceil(size / 2)` like the
 * other stride-2 operations (for even sizes this is the authors' operation).
 * A budget-width search interleaves the two halves, so that the leading
 * channels of every width hold both.
 */
function factorizedReduce(x: tf.Tensor4D, w: FactorizedReduceWeights, mode: NormMode, width: Width): tf.Tensor4D {
  const r = tf.relu(x);
  const [, h, wd, c] = r.shape;
  const shifted = tf.pad(tf.slice(r, [0, 1, 1, 0], [-1, h - 1, wd - 1, c]), [
    [0, 0],
    [0, 1],
    [0, 1],
    [0, 0],
  ]);
  const kernel = (k: 0 | 1) => leading(w.convs[k], [1, 1, c, width.channels / 2]) as tf.Tensor4D;
  const [a, b] = [tf.conv2d(r, kernel(0), 2, 'valid'), tf.conv2d(shifted, kernel(1), 2, 'valid')];
  const joined = width.interleave ? interleaveChannels(a, b) : tf.concat([a, b], 3);
  return batchNorm(joined, w.norm, mode);
}

function sepConv(x: tf.Tensor4D, k: number, stride: number, w: SepConvWeights, mode: NormMode): tf.Tensor4D {
  const pad = (k - 1) / 2;
  const c = x.shape[3];
  const depthwise = (i: 0 | 1) => leading(w.depthwise[i], [k, k, c, 1]) as tf.Tensor4D;
  const pointwise = (i: 0 | 1) => leading(w.pointwise[i], [1, 1, c, c]) as tf.Tensor4D;
  let y = tf.depthwiseConv2d(tf.relu(x), depthwise(0), stride, pad);
  y = batchNorm(tf.conv2d(y, pointwise(0), 1, 'valid'), w.norms[0], mode);
  y = tf.depthwiseConv2d(tf.relu(y), depthwise(1), 1, pad);
  return batchNorm(tf.conv2d(y, pointwise(1), 1, 'valid'), w.norms[1], mode);
}

/** Applies `op` with stride `stride`; every spatial operation pads symmetrically, as PyTorch's `padding=k//2`. */
function applyOp(op: CellOperation, x: tf.Tensor4D, stride: number, w: OpWeights, mode: NormMode, width: Width): tf.Tensor4D {
  switch (op) {
    case 'identity':
      return w === null ? x : factorizedReduce(x, w as FactorizedReduceWeights, mode, width);
    case 'avg_pool_3x3':
      // Zero padding counted in the mean (PyTorch's default), which also keeps the gradient exact.
      return tf.avgPool(
        tf.pad(x, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
        3,
        stride,
        'valid',
      );
    case 'max_pool_3x3':
      return tf.maxPool(x, 3, stride, 1);
    case 'sep_conv_3x3':
      return sepConv(x, 3, stride, w as SepConvWeights, mode);
    case 'sep_conv_5x5':
      return sepConv(x, 5, stride, w as SepConvWeights, mode);
  }
}

function createCell(store: WeightStore, plan: CellPlan, nodes: number, operations: readonly CellOperation[]): CellWeights {
  const at = `cell${plan.index}`;
  const c = plan.channels;
  // Factorized reductions sit in and right after reduction cells, whose channels are doubled, so even.
  const half = c / 2;
  if ((plan.reduceInput0 || plan.type === 'reduction') && !Number.isInteger(half))
    throw new Error(`cell ${plan.index}: a factorized reduction needs an even channel count, got ${c}`);
  const reduce = (name: string, inChannels: number): FactorizedReduceWeights => ({
    convs: [store.kernel(`${name}/conv1`, [1, 1, inChannels, half], inChannels), store.kernel(`${name}/conv2`, [1, 1, inChannels, half], inChannels)],
    norm: store.norm(`${name}/bn`, c, false),
  });
  const rcb = (name: string, inChannels: number): ReluConvBnWeights => ({
    conv: store.kernel(`${name}/conv`, [1, 1, inChannels, c], inChannels),
    norm: store.norm(`${name}/bn`, c, false),
  });
  const preprocess = [
    plan.reduceInput0 ? reduce(`${at}/preprocess0`, plan.inputChannels[0]) : rcb(`${at}/preprocess0`, plan.inputChannels[0]),
    rcb(`${at}/preprocess1`, plan.inputChannels[1]),
  ] as const;
  const sep = (name: string, k: number): SepConvWeights => ({
    depthwise: [store.kernel(`${name}/depthwise1`, [k, k, c, 1], k * k), store.kernel(`${name}/depthwise2`, [k, k, c, 1], k * k)],
    pointwise: [store.kernel(`${name}/pointwise1`, [1, 1, c, c], c), store.kernel(`${name}/pointwise2`, [1, 1, c, c], c)],
    norms: [store.norm(`${name}/bn1`, c, false), store.norm(`${name}/bn2`, c, false)],
  });
  const edges = Array.from({ length: nodes }, (_, i) =>
    Array.from({ length: i + 2 }, (_, j) => {
      const strided = plan.type === 'reduction' && j < 2;
      const ops = new Map<CellOperation, OpWeights>();
      for (const op of operations) {
        const name = `${at}/node${i}/input${j}/${op}`;
        if (op === 'sep_conv_3x3') ops.set(op, sep(name, 3));
        else if (op === 'sep_conv_5x5') ops.set(op, sep(name, 5));
        else if (op === 'identity' && strided) ops.set(op, reduce(`${name}/reduce`, c));
        else ops.set(op, null);
      }
      return ops;
    }),
  );
  const combine = Array.from({ length: nodes }, (_, i) => store.kernel(`${at}/combine/node${i}`, [1, 1, c, c], c));
  return { plan, preprocess, edges, combine, combineNorm: store.norm(`${at}/combine/bn`, c, false) };
}

function cellForward(cell: CellWeights, genotype: CellGenotype, s0: tf.Tensor4D, s1: tf.Tensor4D, mode: NormMode, width: Width): tf.Tensor4D {
  const c = width.channels;
  const pre0 = cell.plan.reduceInput0
    ? factorizedReduce(s0, cell.preprocess[0] as FactorizedReduceWeights, mode, width)
    : reluConvBn(s0, cell.preprocess[0] as ReluConvBnWeights, mode, c);
  const states = [pre0, reluConvBn(s1, cell.preprocess[1], mode, c)];
  const reduction = cell.plan.type === 'reduction';
  genotype.nodes.forEach((node, i) => {
    const branch = (k: 0 | 1): tf.Tensor4D => {
      const j = node.inputs[k];
      const op = node.ops[k];
      const weights = cell.edges[i]![j]!.get(op);
      if (weights === undefined) throw new TypeError(`operation '${op}' is not in this space's operation set`);
      return applyOp(op, states[j]!, reduction && j < 2 ? 2 : 1, weights, mode, width);
    };
    const first = branch(0);
    // The same operation on the same input is one module applied twice (as in the authors' code): compute it once.
    const second = node.inputs[0] === node.inputs[1] && node.ops[0] === node.ops[1] ? first : branch(1);
    states.push(tf.add(first, second));
  });
  const outs = genotype.outputNodes;
  const features =
    outs.length === 1
      ? states[2 + outs[0]!]!
      : tf.concat(
          outs.map((k) => states[2 + k]!),
          3,
        );
  const combine = (k: number) => leading(cell.combine[k]!, [1, 1, c, c]);
  const kernel =
    outs.length === 1
      ? combine(outs[0]!)
      : tf.concat(
          outs.map((k) => combine(k)),
          2,
        );
  return batchNorm(tf.conv2d(tf.relu(features), kernel as tf.Tensor4D, 1, 'valid'), cell.combineNorm, mode);
}

/** The trainable weights `cellForward` reads for `genotype`, each once. */
function usedWeights(cell: CellWeights, genotype: CellGenotype): tf.Variable[] {
  const used = new Set<tf.Variable>();
  const addOp = (w: OpWeights | ReluConvBnWeights) => {
    if (w === null) return;
    if ('conv' in w) used.add(w.conv);
    else if ('convs' in w) w.convs.forEach((v) => used.add(v));
    else [...w.depthwise, ...w.pointwise].forEach((v) => used.add(v));
  };
  cell.preprocess.forEach(addOp);
  const reduction = cell.plan.type === 'reduction';
  genotype.nodes.forEach((node, i) => {
    for (const k of [0, 1] as const) {
      const j = node.inputs[k];
      const op = node.ops[k];
      if (op === 'identity' && !(reduction && j < 2)) continue;
      addOp(cell.edges[i]![j]!.get(op) ?? null);
    }
  });
  for (const k of genotype.outputNodes) used.add(cell.combine[k]!);
  return [...used];
}

let recomputeIds = 0;

/**
 * `cellForward` in training mode as one custom-gradient op (gradient
 * checkpointing): the forward pass keeps only the cell's inputs, and the
 * backward pass runs the cell again, with the same batch statistics and
 * without touching the moving ones, to get the gradients of the inputs and
 * of the weights. About one more forward pass per backward pass, for the
 * memory of one cell's activations instead of the whole network's.
 */
function recomputedCell(cell: CellWeights, genotype: CellGenotype, s0: tf.Tensor4D, s1: tf.Tensor4D, width: Width): tf.Tensor4D {
  const weights = usedWeights(cell, genotype);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [a, b] = args as [tf.Tensor4D, tf.Tensor4D];
    save([a, b]);
    return {
      value: cellForward(cell, genotype, a, b, 'train', width),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // Variables standing for the inputs, so that one pass gives every gradient.
        const id = recomputeIds++;
        const inputs = saved.map((t, k) => tf.variable(t, true, `asng-image-classification-recompute-${id}-${k}`));
        // tfjs keeps one tape per engine: a gradient computed inside a backward pass replaces the outer tape, and
        // the outer pass then fails when it frees it. Put the outer tape back afterwards.
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outerTape = state.activeTape;
        try {
          const { grads } = tf.variableGrads(
            () => tf.sum(tf.mul(cellForward(cell, genotype, inputs[0] as tf.Tensor4D, inputs[1] as tf.Tensor4D, 'batch', width), dy)) as tf.Scalar,
            [...inputs, ...weights],
          );
          return [...inputs, ...weights].map((v) => grads[v.name] ?? tf.zerosLike(v));
        } finally {
          state.activeTape = outerTape;
          tf.dispose(inputs);
        }
      },
    };
  });
  return f(s0, s1, ...weights) as tf.Tensor4D;
}

function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
}

/**
 * The one-shot network: every operation of every edge has its own weights
 * (as in the authors' code), batch norms without affine parameters except
 * the stem's, and a forward pass that runs only the sampled operations.
 */
export function createCellSupernet(settings: SupernetSettings, task: TaskSpec, rng: RandomSource): Supernet {
  const { plan, nodes, operations } = settings;
  const inChannels = task.inputShape[2];
  const store = new WeightStore(rng);
  const stem = {
    conv: store.kernel('stem/conv', [3, 3, inChannels, plan.stemChannels], 9 * inChannels),
    norm: store.norm('stem/bn', plan.stemChannels, true),
  };
  const cells = plan.cells.map((p) => createCell(store, p, nodes, operations));
  const classifierKernel = store.kernel('classifier/kernel', [plan.outputChannels, task.classes], plan.outputChannels);
  const bound = 1 / Math.sqrt(plan.outputChannels);
  const classifierBias = store.add(
    'classifier/bias',
    tf.tensor1d(
      Array.from({ length: task.classes }, () => (2 * rng.uniform() - 1) * bound),
      'float32',
    ),
    true,
  );
  const weights = store.weights;

  const forward = (architecture: Architecture, inputs: tf.Tensor4D, mode: NormMode): tf.Tensor2D => {
    const genotypes: Record<CellType, CellGenotype> = {
      normal: decodeCell(architecture, 'normal', nodes),
      reduction: decodeCell(architecture, 'reduction', nodes),
    };
    const at = settings.planFor?.(architecture) ?? plan;
    return tf.tidy(() => {
      const x = batchNorm(tf.conv2d(inputs, leading(stem.conv, [3, 3, inChannels, at.stemChannels]) as tf.Tensor4D, 1, 1), stem.norm, mode);
      let s0 = x;
      let s1 = x;
      for (const cell of cells) {
        const genotype = genotypes[cell.plan.type];
        const width = { channels: at.cells[cell.plan.index]!.channels, interleave: settings.planFor !== undefined };
        const out =
          mode === 'train' && settings.recomputeCells ? recomputedCell(cell, genotype, s0, s1, width) : cellForward(cell, genotype, s0, s1, mode, width);
        [s0, s1] = [s1, out];
      }
      const kernel = leading(classifierKernel, [at.outputChannels, task.classes]) as tf.Tensor2D;
      return tf.add(tf.matMul(tf.mean(s1, [1, 2]) as tf.Tensor2D, kernel), classifierBias);
    });
  };
  const modeOf = (options: ForwardOptions): NormMode => (options.training ? 'train' : 'moving');

  return {
    weights,
    apply: (architecture, inputs, options) => forward(architecture, inputs, modeOf(options)),
    loss: (architecture: Architecture, batch: Batch, options: ForwardOptions) =>
      tf.tidy(() => tf.mean(crossEntropy(forward(architecture, batch.inputs, modeOf(options)), batch.targets)) as tf.Scalar),
    async evaluate(architecture, batch) {
      const [correct, loss] = tf.tidy(() => {
        const logits = forward(architecture, batch.inputs, settings.evaluationNorm);
        return [tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(batch.targets, 1)), 'float32')), tf.sum(crossEntropy(logits, batch.targets))];
      });
      const [c, l] = await Promise.all([correct.data(), loss.data()]);
      tf.dispose([correct, loss]);
      return { accuracy: c[0]!, loss: l[0]! };
    },
    dispose: () => tf.dispose(weights.map((w) => w.variable)),
  };
}
