/**
 * The inpainting task's settings (its budgets) and the figures it reports,
 * all plain JSON.
 */
import type { WeightOptimizerName } from '@asng/engine';
import type { InpaintingEncoding, MaskName } from '@asng/space-inpainting';
import type { Budget, FinalistDraw, Seconds } from './protocol.js';

/** The search of {@link InpaintingSettings}. Plain JSON. */
export interface InpaintingSearchSettings {
  /** Steps of the search (each: one training batch for the weights, one validation batch for the distribution). */
  readonly steps: number;
  /** Steps at the start that train the shared weights with the distribution frozen (the engine's `warmupSteps`). */
  readonly warmupSteps: number;
  readonly batchSize: number;
  /** Initial learning rate of the weights (cosine schedule). */
  readonly learningRate: number;
  readonly optimizer: WeightOptimizerName;
  /** L2 weight decay of the supernet's weights. */
  readonly weightDecay: number;
  /** Training examples used (split into training and validation halves); all when undefined. */
  readonly maxExamples?: number;
  /**
   * The engine's `SearchConfig.parameterPenalty`: the distribution ranks
   * `loss * weights ** parameterPenalty` (weights at the search's width);
   * absent: the paper's objective, the loss alone.
   */
  readonly parameterPenalty?: number;
  /** The engine's `SearchConfig.freezeWeightsAfterWarmup`: the distribution learns on the supernet the warm-up trained; absent: the paper. */
  readonly freezeWeightsAfterWarmup?: boolean;
  /**
   * A budget-width search (the space's `parameterBudget`): the supernet runs
   * each architecture with its channels scaled to the widest that fits this
   * many weights (up to `supernetChannels`), as the retraining scales it;
   * absent: every architecture at its searched channels, the paper.
   */
  readonly parameterBudget?: number;
  /** The channels the supernet stores per node (the space's `supernetChannels`); absent: the largest of `channels`. */
  readonly supernetChannels?: number;
  /** Extra weight of the dropped pixels in the supernet's loss (the space's `holeWeight`); absent: the paper's mean squared error over the whole image. */
  readonly holeWeight?: number;
  /**
   * The hole weight of the loss the distribution step ranks architectures by
   * (the space's `selectionHoleWeight`); absent: `holeWeight`, one loss for
   * both steps.
   */
  readonly selectionHoleWeight?: number;
  /** ASNG's population `lambda` (architectures per weight step and per distribution step); absent: the paper's 2. */
  readonly lambda?: number;
  /**
   * A selection after the search: the final distribution's this many
   * likeliest different networks (`likeliestArchitectures` of `@asng/core`,
   * each scaled to the retraining budget) are each trained from scratch with
   * the retraining recipe on the training split less its last
   * `finalistHoldOut` images, and scored (PSNR) on those; the best is the
   * found architecture. Absent: the most likely architecture (the paper).
   */
  readonly finalists?: number;
  /** How the finalists are picked: the likeliest (default), or the mode and draws from the final distribution (`drawnArchitectures`). */
  readonly finalistDraw?: FinalistDraw;
  /** Training images of each finalist (the first ones of the training split); absent: the retraining's `maxExamples`. */
  readonly finalistExamples?: number;
  /** Images at the end of the training split that score the finalists (never trained on by them); absent: 10,000. */
  readonly finalistHoldOut?: number;
}

/** The retraining recipe of {@link InpaintingSettings}, the same for every network. Plain JSON. */
export interface InpaintingRetrainSettings {
  /**
   * Weights of every retrained network: each is scaled to the largest width
   * whose weight count is within it (see {@link scaledToBudget}).
   */
  readonly parameterBudget: number;
  readonly epochs: number;
  /** Adam's initial learning rate, multiplied by `decayFactor` at each of `decayEpochs`. */
  readonly learningRate: number;
  /** Epochs of the step decays; half and three quarters of the budget when undefined. */
  readonly decayEpochs?: readonly number[];
  readonly decayFactor: number;
  readonly batchSize: number;
  readonly weightDecay: number;
  /** Training examples used; all when undefined. */
  readonly maxExamples?: number;
  /**
   * How the channels of a searched or random network are set before it is
   * scaled to the budget: `'searched'` (when undefined) keeps the channel
   * proportions of its architecture; `'uniform'` gives every node the same
   * channels, as the hand-written autoencoder has (its topology, kernels and
   * strides kept). See {@link RETRAIN_WIDTHS}.
   */
  readonly widths?: RetrainWidths;
}

/** The ways {@link InpaintingRetrainSettings.widths} can set a network's channels. */
export const RETRAIN_WIDTHS = ['searched', 'uniform'] as const;
/** One of {@link RETRAIN_WIDTHS}. */
export type RetrainWidths = (typeof RETRAIN_WIDTHS)[number];

/** Everything that sets the inpainting task's numbers, besides the seeds and K. Plain JSON. */
export interface InpaintingSettings {
  /** The masks, each with a search space, searches and retrainings of its own. */
  readonly masks: readonly MaskName[];
  readonly encoding: InpaintingEncoding;
  /** Convolution nodes of the chain (the paper: 20). */
  readonly nodes: number;
  /** Level-back (the paper: 5). */
  readonly levelBack: number;
  /** Channel counts of the search space (the paper: 64, 128, 256). */
  readonly channels: readonly number[];
  /** Kernel sizes of the search space's convolutions; the paper's 1, 3 and 5 when undefined. */
  readonly kernelSizes?: readonly number[];
  readonly search: InpaintingSearchSettings;
  readonly retrain: InpaintingRetrainSettings;
  /** Also retrain the hand-written autoencoder within the same budget (the `best` budget retrains the found network alone). */
  readonly handWritten: boolean;
  /** Test images scored per network (the first ones of the test split); the whole split when undefined. */
  readonly testImages?: number;
}

/*
 * Sizing, from timings on this machine (2 AMD EPYC cores, wasm backend with the
 * native AVX2 kernels, 2 threads, 32x32 Fashion-MNIST; measured while another
 * job kept both cores busy, so probably pessimistic):
 * - a search step of the standard space (10 nodes, level-back 3, 8-32 channels,
 *   batch 32): 0.26 s during the warm-up (no validation pass), 0.49 s after;
 * - a retraining batch of 32 at 40,000 weights: 0.04-0.15 s for 12 random
 *   architectures (mean 0.08), 0.10-0.17 s for the hand-written autoencoder, 0.20 s
 *   for a found one (a 5x5 layer at 32x32); at the extremes 0.044 s (ten down
 *   nodes) and 0.41-0.53 s (ten skip nodes: a network of a given size costs more
 *   the more pixels its layers see);
 * - the test: 0.5-2 ms per image of inference plus 0.64 ms of PSNR and SSIM,
 *   about 25 s for the 10,000 test images.
 * Standard, per seed and mask: search 300 x 0.26 + 1200 x 0.49 = 670 s; retraining
 * 1250 batches (40,000 examples): the found network 250 s (625 s if all skip
 * nodes), the hand-written 150 s, 5 random 5 x 100 = 500 s; tests 7 x 25 = 175 s;
 * so 1745 s (2120 s at worst), times 3 masks: 87 min per seed (106 min at worst).
 * Best, per mask: search 400 x 0.26 + 1600 x 0.49 = 890 s; the found network 2
 * epochs of 1250 batches, 500 s (1250 s if all skip nodes), test 25 s: 1415 s,
 * times 3: 71 min (108 min at worst).
 * Smoke (the embedded subset, K = 5): 80 s for the three masks.
 */

/** The inpainting settings of each budget (the datasets: the embedded subset for `smoke`, the full Fashion-MNIST otherwise). */
export const INPAINTING_BUDGETS: Record<Budget, InpaintingSettings> = {
  smoke: {
    masks: ['center', 'random-pixel', 'random-half'],
    encoding: 'mixed',
    nodes: 6,
    levelBack: 3,
    channels: [4, 8],
    search: { steps: 40, warmupSteps: 10, batchSize: 16, learningRate: 0.001, optimizer: 'adam', weightDecay: 0, maxExamples: 1000 },
    retrain: { parameterBudget: 3000, epochs: 1, learningRate: 0.001, decayFactor: 0.1, batchSize: 16, weightDecay: 0, maxExamples: 1000 },
    handWritten: true,
    testImages: 500,
  },
  standard: {
    masks: ['center', 'random-pixel', 'random-half'],
    encoding: 'mixed',
    nodes: 10,
    levelBack: 3,
    channels: [8, 16, 32],
    search: { steps: 1500, warmupSteps: 300, batchSize: 32, learningRate: 0.001, optimizer: 'adam', weightDecay: 0 },
    retrain: { parameterBudget: 40_000, epochs: 1, learningRate: 0.001, decayFactor: 0.1, batchSize: 32, weightDecay: 0, maxExamples: 40_000 },
    handWritten: true,
  },
  best: {
    masks: ['center', 'random-pixel', 'random-half'],
    encoding: 'mixed',
    nodes: 10,
    levelBack: 3,
    channels: [8, 16, 32],
    search: { steps: 2000, warmupSteps: 400, batchSize: 32, learningRate: 0.001, optimizer: 'adam', weightDecay: 0 },
    retrain: { parameterBudget: 40_000, epochs: 2, learningRate: 0.001, decayFactor: 0.1, batchSize: 32, weightDecay: 0, maxExamples: 40_000 },
    handWritten: false,
  },
};

/** PSNR (dB, output clipped to [0, 1]) and SSIM, each the mean over the test images. */
export interface Restoration {
  readonly psnr: number;
  readonly ssim: number;
}

/** Something per mask. */
export type PerMask<T> = Readonly<Partial<Record<MaskName, T>>>;

/** The most likely architecture of one search seed, retrained, per mask. */
export interface FoundInpainting {
  readonly seed: number;
  readonly metric: PerMask<Restoration>;
  /** With `--retrain-seeds N` (N > 1): each retraining's figures, whose mean is `metric`. */
  readonly retrains?: PerMask<Restoration[]>;
  /** Weights of the retrained network. */
  readonly parameters: PerMask<number>;
  /** The width it was retrained at: every node's channels were scaled by `width / c`, `c` the space's largest channel count. */
  readonly width: PerMask<number>;
  /** The optimizer's convergence at the end of the search (1: every variable decided). */
  readonly convergence: PerMask<number>;
  /**
   * With `search.finalists`: each finalist's description, probability under
   * the final distribution and held-out figures, in decreasing probability;
   * `selected` is the index of the one retrained (the best held-out PSNR).
   */
  readonly finalists?: PerMask<readonly Finalist[]>;
  readonly selected?: PerMask<number>;
  /** The space's one-line description of the architecture, as searched (before scaling). */
  readonly architecture: PerMask<string>;
}

/** A random architecture of the space, retrained like the found one. */
export interface RandomInpainting {
  /** The search seed it is compared with (and retrained with). */
  readonly seed: number;
  /** Its index among the seed's random architectures, from 0. */
  readonly index: number;
  readonly metric: PerMask<Restoration>;
  /** With `--retrain-seeds N` (N > 1): each retraining's figures, whose mean is `metric`. */
  readonly retrains?: PerMask<Restoration[]>;
  readonly parameters: PerMask<number>;
  readonly width: PerMask<number>;
  readonly architecture: PerMask<string>;
}

/** The hand-written autoencoder, retrained like the found one. */
export interface HandWrittenInpainting {
  readonly seed: number;
  readonly metric: PerMask<Restoration>;
  /** With `--retrain-seeds N` (N > 1): each retraining's figures, whose mean is `metric`. */
  readonly retrains?: PerMask<Restoration[]>;
  readonly parameters: PerMask<number>;
  /** Its channels, the same in every layer. */
  readonly width: PerMask<number>;
}

/** The inpainting task's figures, JSON-ready. */
export interface InpaintingQuality {
  readonly task: 'inpainting';
  readonly budget: Budget;
  readonly found: readonly FoundInpainting[];
  readonly random: readonly RandomInpainting[];
  readonly handWritten: readonly HandWrittenInpainting[];
  /** Over every random network of every seed (empty without any). */
  readonly randomMean: PerMask<Restoration>;
  readonly randomStd: PerMask<Restoration>;
  readonly randomMax: PerMask<Restoration>;
  /** Over the seeds (`handWrittenMean` empty without the hand-written autoencoder). */
  readonly foundMean: PerMask<Restoration>;
  readonly handWrittenMean: PerMask<Restoration>;
  /** Test images each network was scored on. */
  readonly testImages: number;
  /** Rank of each found network (in seed order), 1 the best, among itself and every random network; ties share the better rank. */
  readonly foundRank: PerMask<{ readonly psnr: readonly number[]; readonly ssim: readonly number[] }>;
  readonly seconds: Seconds;
  readonly settings: InpaintingSettings;
}

/** One retrained and tested network: a piece of the run. */
export interface RetrainPiece {
  readonly psnr: number;
  readonly ssim: number;
  /** The mean squared error (absent where the piece was read from a results file, which does not record it). */
  readonly mse?: number;
  /** A random network's piece read from a results file: the space's description of the architecture it holds. */
  readonly architecture?: string;
  readonly parameters: number;
  readonly width: number;
  readonly seconds: number;
  /** Over several retrainings (the figures above are their means, `seconds` their sum): each one's PSNR and SSIM. */
  readonly retrains?: readonly { readonly psnr: number; readonly ssim: number }[];
}

/** A finalist of the selection after a search: trained on the training split less the held-out images, scored on those. */
export interface Finalist {
  /** The space's one-line description. */
  readonly architecture: string;
  /** The seed of its training (the search seed plus `FINALIST_SEED_OFFSET`). */
  readonly seed: number;
  /** Its probability under the search's final distribution (categorical variables). */
  readonly probability: number;
  /** PSNR and SSIM on the held-out images of the training split. */
  readonly psnr: number;
  readonly ssim: number;
  readonly parameters: number;
  readonly width: number;
  readonly seconds: number;
}

/** The directory, under a run directory, of every retrained network's sample restorations. */
export const RESTORATIONS_DIR = 'restorations';
