/**
 * The inpainting task of the quality benchmark: for each search seed and each
 * of the paper's masks, an ASNG search of the convolutional-autoencoder
 * space; then the most likely architecture, K random architectures of the
 * same space and the hand-written autoencoder, each scaled to the largest
 * width within the same parameter budget, retrained from scratch with the
 * same recipe, data, epochs and seed, and tested (PSNR, SSIM) on the test
 * split with the same holes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { taskFor, type Architecture, type Dataset, type TaskSpec } from '@asng/core';
import { writeModelRestorations } from '@asng/cli';
import { padDataset } from '@asng/data';
import { largestWidthWithin, retrain, type RetrainConfig, type SearchConfig } from '@asng/engine';
import {
  createInpaintingSpace,
  decodeChain,
  handWrittenAutoencoder,
  nextPowerOfTwo,
  nodeLabel,
  planParameterCount,
  scoreRestorations,
  widestScalingWithin,
  type ChainGenes,
  type ChainSpec,
  type InpaintingSpace,
  type MaskName,
} from '@asng/space-inpainting';
import {
  RESTORATIONS_DIR,
  type Finalist,
  type FoundInpainting,
  type HandWrittenInpainting,
  type InpaintingQuality,
  type InpaintingSettings,
  type PerMask,
  type RandomInpainting,
  type Restoration,
  type RetrainPiece,
  type RetrainWidths,
} from './inpainting-settings.js';
import {
  FINALIST_SEED_OFFSET,
  finalBeliefs,
  finalistCandidates,
  finalistHoldOut,
  indexOfBest,
  pieceStoreOf,
  pinSettings,
  randomArchitectures,
  rankAmong,
  retrainings,
  searchOrResume,
  stats,
  type Budget,
  type SearchOutcome,
  type TaskContext,
} from './protocol.js';

export * from './inpainting-settings.js';
export { inpaintingGridsHtml, inpaintingTables } from './inpainting-report.js';

/**
 * Channel ceiling of the retraining spaces: the scaled networks may be wider
 * than the searched space allows; this only bounds the width search.
 */
const MAX_WIDTH = 4096;

/** The search space of `settings` for one mask (a budget-width search with `search.parameterBudget`). */
function searchSpaceOf(settings: InpaintingSettings, mask: MaskName): InpaintingSpace {
  const { encoding, nodes, levelBack, channels, kernelSizes } = settings;
  const { parameterBudget, supernetChannels, holeWeight, selectionHoleWeight } = settings.search;
  return createInpaintingSpace({
    encoding,
    nodes,
    levelBack,
    channels,
    ...(kernelSizes !== undefined ? { kernelSizes } : {}),
    mask,
    ...(parameterBudget !== undefined ? { parameterBudget } : {}),
    ...(supernetChannels !== undefined ? { supernetChannels } : {}),
    ...(holeWeight !== undefined ? { holeWeight } : {}),
    ...(selectionHoleWeight !== undefined ? { selectionHoleWeight } : {}),
  });
}

/** A space with the chain of `chain` (mixed encoding) whose channels reach {@link MAX_WIDTH}: it builds the scaled networks. */
function retrainSpaceOf(chain: ChainSpec, mask: MaskName): InpaintingSpace {
  return createInpaintingSpace({
    encoding: 'mixed',
    nodes: chain.nodes,
    levelBack: chain.levelBack,
    kernelSizes: chain.kernelSizes,
    channels: [1, MAX_WIDTH],
    mask,
  });
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
 * 1, so that the proportions the search chose are kept (the space's
 * `widestScalingWithin`, the rule its budget-width supernet runs). With
 * `widths: 'uniform'` every node first gets the widest channel count, so that
 * all nodes end at `width` channels (the topology, kernels and strides kept).
 * The result is an architecture of the mixed-encoding retraining space of the
 * same chain (channels up to 4096), whatever the encoding of `space`.
 */
export function scaledToBudget(
  space: InpaintingSpace,
  architecture: Architecture,
  task: TaskSpec,
  budget: number,
  widths: RetrainWidths = 'searched',
): ScaledNetwork {
  const { chain } = space;
  const widest = Math.max(...chain.channels);
  const genes = decodeChain(chain, architecture);
  const chosen = widths === 'uniform' ? { ...genes, nodes: genes.nodes.map((g) => ({ ...g, channels: widest })) } : genes;
  const scaled = widestScalingWithin(chosen, {
    widest,
    inputShape: task.inputShape,
    budget,
    maxWidth: MAX_WIDTH,
    label: 'scaledToBudget: the architecture',
  });
  return { architecture: mixedArchitecture(chain, scaled.genes), width: scaled.width, parameters: scaled.parameters };
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
  const dataset =
    height === nextPowerOfTwo(height) && width === nextPowerOfTwo(width) ? given : padDataset(given, nextPowerOfTwo(height), nextPowerOfTwo(width));
  const pieces = pieceStoreOf(ctx);
  pinSettings(pieces.dir, settings);
  const restorationsDir = join(ctx.runDir, RESTORATIONS_DIR);
  mkdirSync(restorationsDir, { recursive: true });
  const task: TaskSpec = taskFor({ kind: 'image-to-image' }, dataset.info);
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
    ...(s.search.parameterPenalty !== undefined ? { parameterPenalty: s.search.parameterPenalty } : {}),
    ...(s.search.freezeWeightsAfterWarmup === true ? { freezeWeightsAfterWarmup: true } : {}),
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
  const retrainOnce = async (
    name: string,
    space: InpaintingSpace,
    network: ScaledNetwork,
    seed: number,
    label: string,
    first: boolean,
  ): Promise<RetrainPiece> =>
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
        // The grids show each network's first retraining only.
        if (first) await writeModelRestorations(restorationsDir, space, dataset, result.model, name, label);
      } finally {
        result.model.dispose();
      }
      const piece = {
        psnr: result.test.psnr!,
        ssim: result.test.ssim!,
        mse: result.test.mse!,
        parameters: result.parameters,
        width: network.width,
        seconds: result.seconds,
      };
      log(`${name}: PSNR ${piece.psnr.toFixed(2)} dB, SSIM ${piece.ssim.toFixed(4)}, ${piece.seconds.toFixed(0)} s`);
      return piece;
    });
  // Every network retrained ctx.retrainSeeds times (the first with the search seed, as one
  // retraining always was): its figures are the means.
  const retrainPiece = async (name: string, space: InpaintingSpace, network: ScaledNetwork, seed: number, label: string): Promise<RetrainPiece> => {
    const runs: RetrainPiece[] = [];
    for (const r of retrainings(seed, ctx.retrainSeeds ?? 1))
      runs.push(
        await retrainOnce(`${name}${r.suffix}`, space, network, r.seed, r.suffix === '' ? label : `${label}, retraining seed ${r.seed}`, r.suffix === ''),
      );
    if (runs.length === 1) return runs[0]!;
    const mean = (key: 'psnr' | 'ssim') => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
    const mse = runs.every((r) => r.mse !== undefined) ? runs.reduce((sum, r) => sum + r.mse!, 0) / runs.length : undefined;
    return {
      psnr: mean('psnr'),
      ssim: mean('ssim'),
      ...(mse !== undefined ? { mse } : {}),
      ...(runs[0]!.architecture !== undefined ? { architecture: runs[0]!.architecture } : {}),
      parameters: runs[0]!.parameters,
      width: runs[0]!.width,
      seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
      retrains: runs.map((r) => ({ psnr: r.psnr, ssim: r.ssim })),
    };
  };

  // The selection after a search (search.finalists): the final distribution's likeliest
  // different networks, each trained from scratch with the retraining recipe (and a seed
  // no retraining uses) on the training split less its held-out tail, scored there; the best
  // held-out PSNR wins (the likelier on a tie).
  const trainSize = dataset.split('train').size;
  const holdOut = finalistHoldOut(s.search.finalistHoldOut, trainSize);
  const selectFinalist = async (
    label: string,
    mask: MaskName,
    space: InpaintingSpace,
    retrainSpace: InpaintingSpace,
    search: SearchOutcome,
    seed: number,
  ): Promise<{ architecture: Architecture; finalists: Finalist[]; selected: number }> => {
    const beliefs = finalBeliefs(search, label, pieces.dir);
    const scaled = (architecture: Architecture) => scaledToBudget(space, architecture, task, s.retrain.parameterBudget, s.retrain.widths);
    // Networks that differ in inactive genes or node positions only are one network.
    const key = (architecture: Architecture) =>
      JSON.stringify(retrainSpace.plan(scaled(architecture).architecture, task).layers.map(({ node: _node, ...layer }) => layer));
    const candidates = finalistCandidates(beliefs, search.best, s.search.finalists!, s.search.finalistDraw, seed, key);
    const examples = s.search.finalistExamples ?? s.retrain.maxExamples;
    const finalistSeed = seed + FINALIST_SEED_OFFSET;
    const finalists: Finalist[] = [];
    for (const [index, candidate] of candidates.entries()) {
      const name = `finalist-seed${seed}-${mask}-${index}`;
      const network = scaled(candidate.architecture);
      const description = space.describe(candidate.architecture).text.split('\n')[0] ?? '';
      const piece = await pieces.get<Finalist>(name, async () => {
        log(
          `${name}: ${description}, probability ${candidate.probability.toPrecision(3)}, width ${network.width}; training on the first ${examples ?? trainSize - holdOut} images, scoring on the last ${holdOut} of the training split`,
        );
        const result = await retrain({
          space: retrainSpace,
          dataset,
          architecture: network.architecture,
          config: { ...retrainConfig(finalistSeed), holdOut, ...(examples !== undefined ? { maxExamples: examples } : {}) },
          metrics: restorationMetrics,
        });
        result.model.dispose();
        const figures = {
          architecture: description,
          seed: finalistSeed,
          probability: candidate.probability,
          psnr: result.test.psnr!,
          ssim: result.test.ssim!,
          parameters: result.parameters,
          width: network.width,
          seconds: result.seconds,
        };
        log(`${name}: held-out PSNR ${figures.psnr.toFixed(2)} dB, SSIM ${figures.ssim.toFixed(4)}, ${figures.seconds.toFixed(0)} s`);
        return figures;
      });
      if (piece.architecture !== description || piece.seed !== finalistSeed)
        throw new Error(
          `${join(pieces.dir, name)}.json: holds '${piece.architecture}' trained with seed ${String(piece.seed)}, expected '${description}' with seed ${finalistSeed}; delete it to train it again`,
        );
      finalists.push(piece);
    }
    const selected = indexOfBest(finalists.map((f) => f.psnr));
    log(
      `${label}: finalist ${selected + 1} of ${finalists.length} selected (held-out PSNR ${finalists[selected]!.psnr.toFixed(2)} dB): ${finalists[selected]!.architecture}`,
    );
    return { architecture: candidates[selected]!.architecture, finalists, selected };
  };

  const found: FoundInpainting[] = [];
  const random: RandomInpainting[] = [];
  const handWritten: HandWrittenInpainting[] = [];
  const seconds = { search: 0, retrain: 0 };
  for (const seed of ctx.seeds) {
    const done: {
      mask: MaskName;
      search: SearchOutcome;
      chosen: { architecture: Architecture; summary: string; finalists?: Finalist[]; selected?: number };
      found: RetrainPiece;
      hand: RetrainPiece | undefined;
      random: (RetrainPiece & { architecture: string })[];
    }[] = [];
    for (const mask of s.masks) {
      const space = searchSpaceOf(s, mask);
      const retrainSpace = retrainSpaceOf(space.chain, mask);
      const label = `search-seed${seed}-${mask}`;
      const search = await pieces.get<SearchOutcome>(label, () =>
        searchOrResume({
          space,
          dataset,
          runDir: join(ctx.runDir, label),
          config: searchConfig(seed),
          log,
          label,
          ...(s.search.lambda !== undefined ? { lambda: s.search.lambda } : {}),
        }),
      );
      log(`${label}: most likely ${search.summary} (convergence ${search.convergence.toFixed(3)})`);
      const scaled = (architecture: Architecture) => scaledToBudget(space, architecture, task, s.retrain.parameterBudget, s.retrain.widths);
      const selection = s.search.finalists !== undefined ? await selectFinalist(label, mask, space, retrainSpace, search, seed) : undefined;
      const chosen = selection
        ? { ...selection, summary: space.describe(selection.architecture).text.split('\n')[0] ?? '' }
        : { architecture: search.best, summary: search.summary };
      const foundPiece = await retrainPiece(
        `found-seed${seed}-${mask}`,
        retrainSpace,
        scaled(chosen.architecture),
        seed,
        selection ? `selected finalist of seed ${seed}` : `most likely architecture of seed ${seed}`,
      );
      const handNetwork = s.handWritten ? handWrittenWithin(retrainSpace, task, s.retrain.parameterBudget) : undefined;
      const hand = handNetwork
        ? await retrainPiece(`hand-written-seed${seed}-${mask}`, retrainSpace, handNetwork, seed, `hand-written autoencoder, seed ${seed}`)
        : undefined;
      if (hand && hand.width !== handNetwork!.width)
        throw new Error(`hand-written-seed${seed}-${mask}: the reused piece was retrained at width ${hand.width}, this run's is ${handNetwork!.width}`);
      const randomPieces = [];
      for (const [index, architecture] of randomArchitectures(space.variables, seed, ctx.random).entries()) {
        const name = `random-seed${seed}-${mask}-${index}`;
        const network = scaled(architecture);
        const description = space.describe(architecture).text.split('\n')[0] ?? '';
        const piece = await retrainPiece(name, retrainSpace, network, seed, `random architecture ${index} of seed ${seed}`);
        // A piece read from a results file names its network: it must be the one drawn here.
        if ((piece.architecture !== undefined && piece.architecture !== description) || piece.width !== network.width)
          throw new Error(
            `${name}: the reused piece holds '${piece.architecture ?? '?'}' at width ${piece.width}, but this run draws '${description}' at width ${network.width}`,
          );
        randomPieces.push({ ...piece, architecture: description });
      }
      seconds.search += search.seconds;
      seconds.retrain += [foundPiece, ...(hand ? [hand] : []), ...randomPieces].reduce((sum, p) => sum + p.seconds, 0);
      done.push({ mask, search, chosen, found: foundPiece, hand, random: randomPieces });
    }
    const perMask = <T>(value: (d: (typeof done)[number]) => T): PerMask<T> => Object.fromEntries(done.map((d) => [d.mask, value(d)]));
    const restoration = (p: RetrainPiece): Restoration => ({ psnr: p.psnr, ssim: p.ssim });
    const several = (ctx.retrainSeeds ?? 1) > 1;
    const retrains = (pick: (d: (typeof done)[number]) => RetrainPiece) => (several ? { retrains: perMask((d) => [...(pick(d).retrains ?? [])]) } : {});
    found.push({
      seed,
      metric: perMask((d) => restoration(d.found)),
      ...retrains((d) => d.found),
      parameters: perMask((d) => d.found.parameters),
      width: perMask((d) => d.found.width),
      convergence: perMask((d) => d.search.convergence),
      architecture: perMask((d) => d.chosen.summary),
      ...(s.search.finalists !== undefined ? { finalists: perMask((d) => d.chosen.finalists ?? []), selected: perMask((d) => d.chosen.selected ?? 0) } : {}),
    });
    if (s.handWritten)
      handWritten.push({
        seed,
        metric: perMask((d) => restoration(d.hand!)),
        ...retrains((d) => d.hand!),
        parameters: perMask((d) => d.hand!.parameters),
        width: perMask((d) => d.hand!.width),
      });
    for (let index = 0; index < ctx.random; index++) {
      random.push({
        seed,
        index,
        metric: perMask((d) => restoration(d.random[index]!)),
        ...retrains((d) => d.random[index]!),
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
      const rank = (key: keyof Restoration) =>
        found.map((e) =>
          rankAmong(
            e.metric[mask]![key],
            random.map((x) => x.metric[mask]![key]),
          ),
        );
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
