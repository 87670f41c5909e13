import type { Architecture, TaskSpec } from '@asng/core';
import { planChain, planParameterCount, type ChainGenes, type ChainPlan } from './architecture.js';

/**
 * `genes` with every node's channels scaled to `width`: multiplied by
 * `width / widest` (`widest` the space's largest channel count), rounded,
 * at least 1, so that the proportions of the channels are kept. At
 * `width = widest` the genes are unchanged. The rule of the quality
 * benchmark's equal-budget retraining and of the budget-width supernet.
 */
export function scaleChainChannels(genes: ChainGenes, width: number, widest: number): ChainGenes {
  return {
    outputInput: genes.outputInput,
    nodes: genes.nodes.map((g) => ({ ...g, channels: Math.max(1, Math.round((g.channels * width) / widest)) })),
  };
}

/** Options of {@link widestScalingWithin}. */
export interface ScalingWithinOptions {
  /** The space's largest channel count: a node of that many channels runs at `width` channels. */
  readonly widest: number;
  /** Images, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number] | readonly number[];
  /** Weights of the built model (`planParameterCount`), at most. */
  readonly budget: number;
  /** The widest scaling considered. */
  readonly maxWidth: number;
  /** What the error names when not even width 1 fits. @default 'the chain' */
  readonly label?: string;
}

/** The result of {@link widestScalingWithin}. */
export interface ChainScaling {
  /** Channels a node of the space's widest channel count gets. */
  readonly width: number;
  /** The scaled genes ({@link scaleChainChannels} at `width`). */
  readonly genes: ChainGenes;
  /** Their plan on the images. */
  readonly plan: ChainPlan;
  /** Weights of the built model of that plan. */
  readonly parameters: number;
}

/**
 * The widest scaling of `genes` ({@link scaleChainChannels}), up to
 * `maxWidth`, whose built model has at most `budget` weights (the weight
 * count grows with the width: found by bisection). Throws a RangeError,
 * naming `label`, when not even width 1 fits.
 */
export function widestScalingWithin(genes: ChainGenes, options: ScalingWithinOptions): ChainScaling {
  const { widest, budget, maxWidth } = options;
  const [h, w, c] = options.inputShape as [number, number, number];
  const at = (width: number): ChainScaling => {
    const scaled = scaleChainChannels(genes, width, widest);
    const plan = planChain(scaled, h, w, c);
    return { width, genes: scaled, plan, parameters: planParameterCount(plan, c) };
  };
  let best = at(1);
  if (best.parameters > budget) {
    throw new RangeError(`${options.label ?? 'the chain'} has ${best.parameters} weights at width 1, more than the budget of ${budget}`);
  }
  let hi = maxWidth;
  while (best.width < hi) {
    const candidate = at(Math.ceil((best.width + hi) / 2));
    if (candidate.parameters <= budget) best = candidate;
    else hi = candidate.width - 1;
  }
  return best;
}

/** What {@link budgetWidthPlanner} needs to know about the space. */
export interface BudgetWidthSettings {
  /** The space's largest channel count (the scaling's reference). */
  readonly widest: number;
  /** The channels the supernet stores: no node runs wider. */
  readonly supernetChannels: number;
  /** Weights of the model `buildModel` would build from the scaled architecture, at most. */
  readonly parameterBudget: number;
}

const CACHE_LIMIT = 4096;

/**
 * The plan each architecture runs at in a budget-width search: its genes
 * (read by `genesOf`) scaled by {@link widestScalingWithin} to the widest
 * width, up to `supernetChannels`, whose model has at most
 * `parameterBudget` weights, as the architecture would be retrained at an
 * equal budget. Memoized per architecture and image shape (a bounded
 * cache). Throws a RangeError naming the architecture and the budget when
 * not even width 1 fits.
 */
export function budgetWidthPlanner(
  settings: BudgetWidthSettings,
  genesOf: (architecture: Architecture) => ChainGenes,
): (architecture: Architecture, inputShape: TaskSpec['inputShape']) => ChainPlan {
  const { widest, supernetChannels, parameterBudget } = settings;
  const plans = new Map<string, ChainPlan>();
  return (architecture, inputShape) => {
    const key = JSON.stringify(architecture);
    const cacheKey = `${inputShape.join('x')} ${key}`;
    let plan = plans.get(cacheKey);
    if (plan === undefined) {
      const label = `parameterBudget: architecture ${key}`;
      plan = widestScalingWithin(genesOf(architecture), { widest, inputShape, budget: parameterBudget, maxWidth: supernetChannels, label }).plan;
      if (plans.size >= CACHE_LIMIT) plans.clear();
      plans.set(cacheKey, plan);
    }
    return plan;
  };
}
