import * as tf from '@tensorflow/tfjs-core';
import {
  validateArchitecture,
  type Architecture,
  type ArchitectureGraphDescriber,
  type Batch,
  type ParameterCounter,
  type SearchSpace,
  type TaskSpec,
  type TrainingModelBuilder,
  type Variable,
} from '@asng/core';
import { buildCellModel, countCellModelParameters } from './build-model.js';
import { budgetWidthPlanner } from './budget-width.js';
import type { DropPathControl } from './drop-path.js';
import { CELL_OPERATIONS, CELL_TYPES, cellVariables, decodeCell, type CellOperation } from './cell-architecture.js';
import { cellText } from './cell-diagram.js';
import { cellArchitectureGraph } from './cell-graph.js';
import { planNetwork } from './network-plan.js';
import { createCellSupernet } from './supernet.js';

/** Options of {@link createImageClassificationSpace}. */
export interface ImageClassificationSpaceOptions {
  /**
   * Number of cells; cells `floor(cells / 3)` and `floor(2 cells / 3)` are
   * reduction cells (half the resolution, twice the channels).
   * @default 8 (the paper's search network)
   */
  readonly cells?: number;
  /**
   * Channels of the first cells, any count >= 1 (the factorized reductions
   * split only the doubled counts after a reduction cell, always even). @default 16
   */
  readonly channels?: number;
  /** Nodes per cell. @default 5 */
  readonly nodes?: number;
  /**
   * The operations a node may apply to each of its inputs, a subset of
   * {@link CELL_OPERATIONS} in any order (the order of the choices).
   * @default all five: identity, avg_pool_3x3, max_pool_3x3, sep_conv_3x3, sep_conv_5x5
   */
  readonly operations?: readonly CellOperation[];
  /** The stem convolution has `channels * stemMultiplier` channels. @default 3 */
  readonly stemMultiplier?: number;
  /**
   * Which statistics batch norm uses in `Supernet.evaluate`: `'batch'`, those
   * of the evaluated batch (the moving statistics of a supernet mix every
   * sampled architecture, so they describe none of them), or `'moving'`.
   * `Supernet.apply` with `training: false` always uses the moving ones.
   * @default 'batch'
   */
  readonly evaluationStatistics?: 'batch' | 'moving';
  /**
   * Gradient checkpointing in training: keep only each cell's inputs and run
   * the cell again in the backward pass. About a third more compute per step
   * for a fraction of the memory: the paper's setting (8 cells, 16 channels,
   * batch 64) needs it on the wasm backend, whose heap is limited to 4 GiB.
   * @default false
   */
  readonly recomputeCells?: boolean;
  /**
   * A budget-width search: the supernet runs each architecture (in training
   * and evaluation) as wide as fits this many trainable parameters of its
   * `buildModel` model, as it would be retrained at an equal parameter
   * budget, on the leading channels of weights `channels` wide (the widest
   * any architecture gets: choose it at least as wide as the lightest
   * architecture's width within the budget). Without it (the paper) every
   * architecture runs at `channels`, where architectures with more
   * parameters win by capacity that an equal-budget retraining takes away.
   * Models built by `buildModel` are not affected.
   * @default undefined
   */
  readonly parameterBudget?: number;
}

/**
 * The image-classification space: a `SearchSpace` that also builds training
 * models with an auxiliary head and drop-path (`buildTrainingModel`, used by
 * the engine's `retrain`) and counts a model's parameters without building it
 * (`countParameters`, used to fit a parameter budget), and gives the graph of
 * an architecture's cells (`architectureGraph`, drawn by `asng report`).
 */
export interface ImageClassificationSpace extends SearchSpace, TrainingModelBuilder, ParameterCounter, ArchitectureGraphDescriber {}

const positiveInteger = (name: string, v: number) => {
  if (!(Number.isSafeInteger(v) && v >= 1)) throw new RangeError(`${name}: expected an integer >= 1, got ${String(v)}`);
};

/**
 * The paper's image-classification search space, as in the authors' code:
 * ENAS micro cells with `nodes` nodes, each picking two inputs among the two
 * cell inputs and the earlier nodes and an operation for each; a node's
 * output is the sum of its two operations, and the nodes no other node
 * consumes are concatenated and reduced by ReLU-conv1x1-BN to the cell's
 * width. Normal and reduction cells have their own architectures: with the
 * defaults, 40 categorical variables (`normal.node0.input1`, ...,
 * `reduction.node4.op2`) of `[2,2,5,5, 3,3,5,5, 4,4,5,5, 5,5,5,5, 6,6,5,5]`
 * categories per cell type, `N = 140` free parameters. The network is a
 * 3x3 conv + BN stem, the cells, global average pooling and a dense
 * classifier; inputs may be of any size and channel count.
 *
 * The supernet holds the weights of every operation of every edge and runs
 * only the sampled ones; `buildModel` returns a standard `tf.LayersModel`
 * of one architecture (logits out) for retraining and export;
 * `buildTrainingModel` the same with DARTS' auxiliary head and drop-path for
 * retraining; `countParameters` the trainable parameters of `buildModel`'s
 * model without building it.
 */
export function createImageClassificationSpace(options: ImageClassificationSpaceOptions = {}): ImageClassificationSpace {
  const cells = options.cells ?? 8;
  const channels = options.channels ?? 16;
  const nodes = options.nodes ?? 5;
  const stemMultiplier = options.stemMultiplier ?? 3;
  const operations = [...(options.operations ?? CELL_OPERATIONS)];
  const evaluationNorm = options.evaluationStatistics ?? 'batch';
  positiveInteger('cells', cells);
  positiveInteger('nodes', nodes);
  positiveInteger('stemMultiplier', stemMultiplier);
  positiveInteger('channels', channels);
  if (options.parameterBudget !== undefined) positiveInteger('parameterBudget', options.parameterBudget);
  if (operations.length === 0) throw new RangeError('operations: expected at least one operation');
  for (const op of operations) {
    if (!(CELL_OPERATIONS as readonly string[]).includes(op)) {
      throw new RangeError(`operations: unknown operation ${JSON.stringify(op)}; expected some of ${CELL_OPERATIONS.join(', ')}`);
    }
  }
  if (new Set(operations).size !== operations.length) throw new RangeError(`operations: duplicate operations in ${JSON.stringify(operations)}`);
  if (evaluationNorm !== 'batch' && evaluationNorm !== 'moving') {
    throw new RangeError(`evaluationStatistics: expected 'batch' or 'moving', got ${JSON.stringify(evaluationNorm)}`);
  }

  const variables: Variable[] = CELL_TYPES.flatMap((type) => cellVariables(type, nodes, operations));
  const plan = planNetwork(cells, channels, stemMultiplier);
  const checkTask = (task: TaskSpec) => {
    if (!(task.classes >= 2)) throw new RangeError(`image-classification: expected a classification task with at least 2 classes, got ${task.classes}`);
  };

  return {
    name: 'image-classification',
    variables,
    metric: { name: 'accuracy', higherIsBetter: true },

    toBatch(images: tf.Tensor4D, labels: tf.Tensor1D | null, task: TaskSpec): Batch {
      if (labels === null) throw new TypeError('image-classification: a classification space needs labelled data');
      return { inputs: tf.clone(images), targets: tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), task.classes), 'float32')) };
    },

    createSupernet(task, rng) {
      checkTask(task);
      const budget = options.parameterBudget;
      const planFor =
        budget === undefined ? undefined : budgetWidthPlanner({ cells, nodes, stemMultiplier, maxChannels: channels, parameterBudget: budget }, task);
      return createCellSupernet(
        { plan, nodes, operations, evaluationNorm, recomputeCells: options.recomputeCells ?? false, ...(planFor ? { planFor } : {}) },
        task,
        rng,
      );
    },

    buildModel(architecture: Architecture, task, rng) {
      checkTask(task);
      validateArchitecture(variables, architecture);
      return buildCellModel({ plan, nodes }, architecture, task, rng);
    },

    buildTrainingModel(architecture, task, rng, extras) {
      checkTask(task);
      validateArchitecture(variables, architecture);
      const dropPath: DropPathControl | undefined = extras.dropPath ? { probability: 0, rng: extras.rng } : undefined;
      const model = buildCellModel(
        { plan, nodes, training: true, auxiliaryHead: extras.auxiliaryHead, ...(dropPath ? { dropPath } : {}) },
        architecture,
        task,
        rng,
      );
      return {
        model,
        setDropPathProbability(probability: number) {
          if (!(probability >= 0 && probability < 1))
            throw new RangeError(`setDropPathProbability: expected a probability in [0, 1), got ${String(probability)}`);
          if (dropPath) dropPath.probability = probability;
        },
      };
    },

    countParameters(architecture: Architecture, task: TaskSpec) {
      checkTask(task);
      validateArchitecture(variables, architecture);
      return countCellModelParameters({ plan, nodes }, architecture, task);
    },

    describe(architecture: Architecture) {
      const reductions = plan.cells.filter((c) => c.type === 'reduction').map((c) => c.index);
      const header =
        `${cells} cells of ${nodes} nodes, ${channels} channels doubled at the reduction cells (${reductions.join(' and ')}); ` +
        `stem conv3x3 of ${plan.stemChannels} channels; global average pool; dense`;
      const text = [header, ...CELL_TYPES.map((type) => cellText(type, decodeCell(architecture, type, nodes)))].join('\n');
      return { text };
    },

    architectureGraph(architecture: Architecture) {
      validateArchitecture(variables, architecture);
      const reductions = plan.cells.filter((c) => c.type === 'reduction').map((c) => c.index);
      return cellArchitectureGraph(
        architecture,
        nodes,
        `image-classification: ${cells} cells of ${nodes} nodes, reduction cells at ${reductions.join(' and ')}`,
      );
    },
  };
}
