import type { CellType } from './cell-architecture.js';

/** Where a cell sits in the network and the shapes it works with. */
export interface CellPlan {
  /** Position, from 0. */
  readonly index: number;
  readonly type: CellType;
  /** Channels of the cell's output (and of every node inside it). */
  readonly channels: number;
  /** Channels of cell input 0 (the output of the cell before the previous one) and of cell input 1. */
  readonly inputChannels: readonly [number, number];
  /** Whether cell input 0 has twice the resolution of cell input 1 (the previous cell was a reduction cell). */
  readonly reduceInput0: boolean;
}

/** The layout of the whole network: stem, cells, classifier. */
export interface NetworkPlan {
  /** Channels of the stem convolution. */
  readonly stemChannels: number;
  readonly cells: readonly CellPlan[];
  /** Channels reaching the global average pool and the classifier. */
  readonly outputChannels: number;
}

/**
 * The authors' layout: a stem of `channels * stemMultiplier` channels, then
 * `cells` cells where cells `floor(cells / 3)` and `floor(2 cells / 3)` are
 * reduction cells that double the channels.
 */
export function planNetwork(cells: number, channels: number, stemMultiplier: number): NetworkPlan {
  const stemChannels = channels * stemMultiplier;
  const reductions = new Set([Math.floor(cells / 3), Math.floor((2 * cells) / 3)]);
  const plans: CellPlan[] = [];
  let previous: [number, number] = [stemChannels, stemChannels];
  let width = channels;
  let afterReduction = false;
  for (let index = 0; index < cells; index++) {
    const reduction = reductions.has(index);
    if (reduction) width *= 2;
    plans.push({ index, type: reduction ? 'reduction' : 'normal', channels: width, inputChannels: previous, reduceInput0: afterReduction });
    previous = [previous[1], width];
    afterReduction = reduction;
  }
  return { stemChannels, cells: plans, outputChannels: previous[1] };
}
