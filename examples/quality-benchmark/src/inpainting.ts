/**
 * The inpainting task of the quality benchmark: for each search seed and each
 * of the paper's masks, an ASNG search of the convolutional-autoencoder
 * space; then the most likely architecture, K random architectures of the
 * same space and the hand-written autoencoder, each scaled to the largest
 * width within the same parameter budget, retrained from scratch with the
 * same recipe, data, epochs and seed, and tested (PSNR, SSIM) on the test
 * split with the same holes.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { Architecture, Dataset, TaskSpec } from '@asng/core';
import { readRestorations, restorationGrids, writeModelRestorations, type RestorationSet } from '@asng/cli';
import { largestWidthWithin, retrain, type RetrainConfig, type SearchConfig, type WeightOptimizerName } from '@asng/engine';
import {
  createInpaintingSpace,
  decodeChain,
  handWrittenAutoencoder,
  nextPowerOfTwo,
  nodeLabel,
  planChain,
  planParameterCount,
  scoreRestorations,
  type ChainGenes,
  type ChainSpec,
  type InpaintingEncoding,
  type InpaintingSpace,
  type MaskName,
} from '@asng/space-inpainting';
import type { HtmlTable } from './html.js';
import { padDataset } from '@asng/data';
import {
  pieceStoreOf,
  pinSettings,
  randomArchitectures,
  rankAmong,
  searchOrResume,
  stats,
  type Budget,
  type SearchOutcome,
  type Seconds,
  type TaskContext,
} from './protocol.js';

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
}

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
  /** Weights of the retrained network. */
  readonly parameters: PerMask<number>;
  /** The width it was retrained at: every node's channels were scaled by `width / c`, `c` the space's largest channel count. */
  readonly width: PerMask<number>;
  /** The optimizer's convergence at the end of the search (1: every variable decided). */
  readonly convergence: PerMask<number>;
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
  readonly parameters: PerMask<number>;
  readonly width: PerMask<number>;
  readonly architecture: PerMask<string>;
}

/** The hand-written autoencoder, retrained like the found one. */
export interface HandWrittenInpainting {
  readonly seed: number;
  readonly metric: PerMask<Restoration>;
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
interface RetrainPiece {
  readonly psnr: number;
  readonly ssim: number;
  readonly mse: number;
  readonly parameters: number;
  readonly width: number;
  readonly seconds: number;
}

/**
 * Channel ceiling of the retraining spaces: the scaled networks may be wider
 * than the searched space allows; this only bounds the width search.
 */
const MAX_WIDTH = 4096;

/** The directory, under a run directory, of every retrained network's sample restorations. */
const RESTORATIONS_DIR = 'restorations';

/** The search space of `settings` for one mask. */
function searchSpaceOf(settings: InpaintingSettings, mask: MaskName): InpaintingSpace {
  return createInpaintingSpace({ encoding: settings.encoding, nodes: settings.nodes, levelBack: settings.levelBack, channels: settings.channels, mask });
}

/** A space with the chain of `chain` (mixed encoding) whose channels reach {@link MAX_WIDTH}: it builds the scaled networks. */
function retrainSpaceOf(chain: ChainSpec, mask: MaskName): InpaintingSpace {
  return createInpaintingSpace({ encoding: 'mixed', nodes: chain.nodes, levelBack: chain.levelBack, kernelSizes: chain.kernelSizes, channels: [1, MAX_WIDTH], mask });
}

/** `genes` written as an architecture of a mixed-encoding space of the same chain. */
function mixedArchitecture(chain: ChainSpec, genes: ChainGenes): Architecture {
  const out: Record<string, string | number> = { 'output.input': nodeLabel(genes.outputInput) };
  genes.nodes.forEach((g, i) => {
    out[`node${i}.type`] = g.type;
    out[`node${i}.kernelIndex`] = chain.kernelSizes.indexOf(g.kernel) + 1;
    out[`node${i}.channels`] = g.channels;
    out[`node${i}.input`] = nodeLabel(g.input);
  });
  return out;
}

/** A network scaled to a parameter budget: the architecture (of the retraining space), its width and weights. */
export interface ScaledNetwork {
  readonly architecture: Architecture;
  readonly width: number;
  readonly parameters: number;
}

/**
 * `architecture` of `space` scaled to the largest width whose weight count on
 * `task` is within `budget`: every node's channels are multiplied by
 * `width / c`, `c` the widest channel count of the space, rounded, at least
 * 1, so that the proportions the search chose are kept. The result is an
 * architecture of the mixed-encoding retraining space of the same chain
 * (channels up to 4096), whatever the encoding of `space`.
 */
export function scaledToBudget(space: InpaintingSpace, architecture: Architecture, task: TaskSpec, budget: number): ScaledNetwork {
  const { chain } = space;
  const genes = decodeChain(chain, architecture);
  const widest = Math.max(...chain.channels);
  const [h, w, c] = task.inputShape;
  const at = (width: number): ChainGenes => ({
    outputInput: genes.outputInput,
    nodes: genes.nodes.map((g) => ({ ...g, channels: Math.max(1, Math.round((g.channels * width) / widest)) })),
  });
  const count = (width: number) => planParameterCount(planChain(at(width), h, w, c), c);
  const width = largestWidthWithin({ budget, parameters: count, step: 1, maxWidth: MAX_WIDTH });
  return { architecture: mixedArchitecture(chain, at(width)), width, parameters: count(width) };
}

/** The hand-written autoencoder of the retraining space at the largest width (its channels, every layer alike) within `budget`. */
function handWrittenWithin(retrainSpace: InpaintingSpace, task: TaskSpec, budget: number): ScaledNetwork {
  const count = (width: number) => planParameterCount(retrainSpace.plan(handWrittenAutoencoder(retrainSpace, { channels: width }), task), task.inputShape[2]);
  const width = largestWidthWithin({ budget, parameters: count, step: 1, maxWidth: MAX_WIDTH });
  return { architecture: handWrittenAutoencoder(retrainSpace, { channels: width }), width, parameters: count(width) };
}

/**
 * Runs (or resumes) the inpainting task: for each seed of `ctx` and each
 * mask, the search (its own run directory, `search-seed<S>-<mask>`), then the
 * retraining and test of the most likely architecture, of the hand-written
 * autoencoder and of `ctx.random` random architectures of the space
 * ({@link randomArchitectures} with the search seed), every network scaled
 * to `settings.retrain.parameterBudget` and retrained with the search seed. Every
 * finished piece is stored under `<runDir>/pieces` (whose `settings.json`
 * pins `settings`), so that the same call resumes; each network's sample
 * restorations go to `<runDir>/restorations` (see {@link inpaintingGridsHtml}).
 * The images are zero-padded to powers of two (Fashion-MNIST's 28x28 to
 * 32x32, as in the paper), and scored padded; the test is on the test split
 * (the training split if there is none).
 */
export async function runInpaintingQuality(ctx: TaskContext, settings: InpaintingSettings, budget: Budget, given: Dataset): Promise<InpaintingQuality> {
  const { log } = ctx;
  const [height, width] = given.info.shape;
  const dataset = height === nextPowerOfTwo(height) && width === nextPowerOfTwo(width) ? given : padDataset(given, nextPowerOfTwo(height), nextPowerOfTwo(width));
  const pieces = pieceStoreOf(ctx);
  pinSettings(pieces.dir, settings);
  const restorationsDir = join(ctx.runDir, RESTORATIONS_DIR);
  mkdirSync(restorationsDir, { recursive: true });
  const task: TaskSpec = { inputShape: dataset.info.shape, classes: 0 };
  const s = settings;

  const searchConfig = (seed: number): SearchConfig => ({
    seed,
    steps: s.search.steps,
    warmupSteps: s.search.warmupSteps,
    batchSize: s.search.batchSize,
    learningRate: s.search.learningRate,
    optimizer: s.search.optimizer,
    weightDecay: s.search.weightDecay,
    ...(s.search.maxExamples !== undefined ? { maxExamples: s.search.maxExamples } : {}),
  });
  const retrainConfig = (seed: number): RetrainConfig => ({
    seed,
    epochs: s.retrain.epochs,
    batchSize: s.retrain.batchSize,
    optimizer: 'adam',
    schedule: 'step',
    learningRate: s.retrain.learningRate,
    decayFactor: s.retrain.decayFactor,
    weightDecay: s.retrain.weightDecay,
    ...(s.retrain.decayEpochs !== undefined ? { decayEpochs: s.retrain.decayEpochs } : {}),
    ...(s.retrain.maxExamples !== undefined ? { maxExamples: s.retrain.maxExamples } : {}),
    ...(s.testImages !== undefined ? { maxTestExamples: s.testImages } : {}),
  });
  // The test is retrain's own: the first images of the test split in order, corrupted
  // from an RNG of a fixed seed, so that every network of every seed sees the same holes.
  const restorationMetrics = async (outputs: tf.Tensor, targets: tf.Tensor) => {
    const [o, t] = await Promise.all([outputs.data(), targets.data()]);
    const sums = scoreRestorations(o, t, outputs.shape as [number, number, number, number]);
    return { psnr: sums.psnr, ssim: sums.ssim, mse: sums.loss };
  };
  const retrainPiece = async (name: string, space: InpaintingSpace, network: ScaledNetwork, seed: number, label: string): Promise<RetrainPiece> =>
    pieces.get<RetrainPiece>(name, async () => {
      log(`${name}: retraining, width ${network.width}, ${network.parameters} weights`);
      const result = await retrain({
        space,
        dataset,
        architecture: network.architecture,
        config: retrainConfig(seed),
        metrics: restorationMetrics,
        onEpoch: (e) => log(`${name} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(5)}, ${e.seconds.toFixed(0)} s`),
      });
      try {
        await writeModelRestorations(restorationsDir, space, dataset, result.model, name, label);
      } finally {
        result.model.dispose();
      }
      const piece = { psnr: result.test.psnr!, ssim: result.test.ssim!, mse: result.test.mse!, parameters: result.parameters, width: network.width, seconds: result.seconds };
      log(`${name}: PSNR ${piece.psnr.toFixed(2)} dB, SSIM ${piece.ssim.toFixed(4)}, ${piece.seconds.toFixed(0)} s`);
      return piece;
    });

  const found: FoundInpainting[] = [];
  const random: RandomInpainting[] = [];
  const handWritten: HandWrittenInpainting[] = [];
  const seconds = { search: 0, retrain: 0 };
  for (const seed of ctx.seeds) {
    const done: { mask: MaskName; search: SearchOutcome; found: RetrainPiece; hand: RetrainPiece | undefined; random: (RetrainPiece & { architecture: string })[] }[] = [];
    for (const mask of s.masks) {
      const space = searchSpaceOf(s, mask);
      const retrainSpace = retrainSpaceOf(space.chain, mask);
      const label = `search-seed${seed}-${mask}`;
      const search = await pieces.get<SearchOutcome>(label, () =>
        searchOrResume({ space, dataset, runDir: join(ctx.runDir, label), config: searchConfig(seed), log, label }),
      );
      log(`${label}: most likely ${search.summary} (convergence ${search.convergence.toFixed(3)})`);
      const scaled = (architecture: Architecture) => scaledToBudget(space, architecture, task, s.retrain.parameterBudget);
      const foundPiece = await retrainPiece(`found-seed${seed}-${mask}`, retrainSpace, scaled(search.best), seed, `most likely architecture of seed ${seed}`);
      const hand = s.handWritten
        ? await retrainPiece(`hand-written-seed${seed}-${mask}`, retrainSpace, handWrittenWithin(retrainSpace, task, s.retrain.parameterBudget), seed, `hand-written autoencoder, seed ${seed}`)
        : undefined;
      const randomPieces = [];
      for (const [index, architecture] of randomArchitectures(space.variables, seed, ctx.random).entries()) {
        const piece = await retrainPiece(`random-seed${seed}-${mask}-${index}`, retrainSpace, scaled(architecture), seed, `random architecture ${index} of seed ${seed}`);
        randomPieces.push({ ...piece, architecture: space.describe(architecture).text.split('\n')[0] ?? '' });
      }
      seconds.search += search.seconds;
      seconds.retrain += [foundPiece, ...(hand ? [hand] : []), ...randomPieces].reduce((sum, p) => sum + p.seconds, 0);
      done.push({ mask, search, found: foundPiece, hand, random: randomPieces });
    }
    const perMask = <T>(value: (d: (typeof done)[number]) => T): PerMask<T> => Object.fromEntries(done.map((d) => [d.mask, value(d)]));
    const restoration = (p: RetrainPiece): Restoration => ({ psnr: p.psnr, ssim: p.ssim });
    found.push({
      seed,
      metric: perMask((d) => restoration(d.found)),
      parameters: perMask((d) => d.found.parameters),
      width: perMask((d) => d.found.width),
      convergence: perMask((d) => d.search.convergence),
      architecture: perMask((d) => d.search.summary),
    });
    if (s.handWritten) handWritten.push({ seed, metric: perMask((d) => restoration(d.hand!)), parameters: perMask((d) => d.hand!.parameters), width: perMask((d) => d.hand!.width) });
    for (let index = 0; index < ctx.random; index++) {
      random.push({
        seed,
        index,
        metric: perMask((d) => restoration(d.random[index]!)),
        parameters: perMask((d) => d.random[index]!.parameters),
        width: perMask((d) => d.random[index]!.width),
        architecture: perMask((d) => d.random[index]!.architecture),
      });
    }
  }

  const testSplit = dataset.split(dataset.info.splits.test ? 'test' : 'train');
  // Empty (no figure) where there is nothing to summarise: no random or hand-written network.
  const summary = (entries: readonly { metric: PerMask<Restoration> }[], pick: 'mean' | 'std' | 'max'): PerMask<Restoration> => {
    if (entries.length === 0) return {};
    const of = (mask: MaskName, key: keyof Restoration) => stats(entries.map((e) => e.metric[mask]![key]))[pick];
    return Object.fromEntries(s.masks.map((mask) => [mask, { psnr: of(mask, 'psnr'), ssim: of(mask, 'ssim') }]));
  };
  const foundRank = Object.fromEntries(
    s.masks.map((mask) => {
      const rank = (key: keyof Restoration) => found.map((e) => rankAmong(e.metric[mask]![key], random.map((x) => x.metric[mask]![key])));
      return [mask, { psnr: rank('psnr'), ssim: rank('ssim') }];
    }),
  );
  return {
    task: 'inpainting',
    budget,
    found,
    random,
    handWritten,
    randomMean: summary(random, 'mean'),
    randomStd: summary(random, 'std'),
    randomMax: summary(random, 'max'),
    foundMean: summary(found, 'mean'),
    handWrittenMean: summary(handWritten, 'mean'),
    testImages: Math.min(testSplit.size, s.testImages ?? testSplit.size),
    foundRank,
    seconds,
    settings,
  };
}

/**
 * The tables of the inpainting task, one per mask: the found networks (one
 * per seed, with their rank among themselves and every random network), the
 * hand-written autoencoders, the random networks, and the random networks'
 * mean, standard deviation and best.
 */
export function inpaintingTables(quality: InpaintingQuality): HtmlTable[] {
  const { settings: s } = quality;
  const header = ['network', 'seed', 'PSNR dB', 'SSIM', 'weights', 'width', 'rank PSNR', 'rank SSIM'];
  const of = quality.random.length + 1;
  return s.masks.map((mask) => {
    const rows: string[][] = [];
    const highlight: boolean[] = [];
    const row = (name: string, seed: number | '', m: Restoration | undefined, rest: readonly string[], found = false) => {
      rows.push([name, String(seed), m ? m.psnr.toFixed(2) : '', m ? m.ssim.toFixed(4) : '', ...rest]);
      highlight.push(found);
    };
    quality.found.forEach((f, i) => {
      const rank = quality.foundRank[mask];
      row(`found (convergence ${f.convergence[mask]?.toFixed(3)})`, f.seed, f.metric[mask], [String(f.parameters[mask]), String(f.width[mask]), `${rank?.psnr[i]} of ${of}`, `${rank?.ssim[i]} of ${of}`], true);
    });
    for (const h of quality.handWritten) row('hand-written', h.seed, h.metric[mask], [String(h.parameters[mask]), String(h.width[mask]), '', '']);
    for (const r of quality.random) row(`random ${r.index + 1}`, r.seed, r.metric[mask], [String(r.parameters[mask]), String(r.width[mask]), '', '']);
    if (quality.random.length > 0) {
      const [mean, std] = [quality.randomMean[mask]!, quality.randomStd[mask]!];
      rows.push(['random mean ± std', '', `${mean.psnr.toFixed(2)} ± ${std.psnr.toFixed(2)}`, `${mean.ssim.toFixed(4)} ± ${std.ssim.toFixed(4)}`, '', '', '', '']);
      highlight.push(false);
      row('random best', '', quality.randomMax[mask], ['', '', '', '']);
    }
    return {
      caption: `${mask} mask: PSNR and SSIM on ${quality.testImages} test images; every network retrained from scratch within ${s.retrain.parameterBudget} weights, ${s.retrain.epochs} epoch(s), the same recipe and seed`,
      header,
      rows,
      highlight,
    };
  });
}

/**
 * The HTML fragment of the inpainting task's image grids, one group per mask:
 * for each search seed, the sample restorations of the found network, of the
 * best random one (by PSNR on that mask) and of the hand-written
 * autoencoder, on the same first test images and holes. What a stopped run
 * has not written yet is left out.
 */
export function inpaintingGridsHtml(runDir: string): string {
  const sets = readRestorations(join(runDir, RESTORATIONS_DIR));
  const psnrOf = (source: string) => {
    const path = join(runDir, 'pieces', `${source}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RetrainPiece).psnr : Number.NEGATIVE_INFINITY;
  };
  const chosen: RestorationSet[] = [];
  for (const found of sets) {
    const seed = /^found-seed(\d+)-/.exec(found.source)?.[1];
    if (seed === undefined) continue;
    const randoms = sets.filter((x) => x.mask === found.mask && x.source.startsWith(`random-seed${seed}-${found.mask}-`));
    const best = randoms.reduce<RestorationSet | undefined>((a, b) => (a === undefined || psnrOf(b.source) > psnrOf(a.source) ? b : a), undefined);
    const hand = sets.find((x) => x.mask === found.mask && x.source === `hand-written-seed${seed}-${found.mask}`);
    chosen.push(found, ...(best ? [{ ...best, label: `${best.label}, the best of ${randoms.length} by PSNR` }] : []), ...(hand ? [hand] : []));
  }
  return restorationGrids(chosen);
}
