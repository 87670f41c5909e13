import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, TaskSpec } from '@asng/core';
import { countCellModelParameters } from './build-model.js';
import { planNetwork, type NetworkPlan } from './network-plan.js';

/**
 * `v` itself when it already has `shape`, else its leading slice of that
 * shape (the first channels of each axis). The supernet of a budget-width
 * search runs each architecture on such slices of the widest weights.
 */
export function leading(v: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i])) return v;
  return tf.slice(v, new Array<number>(shape.length).fill(0), [...shape]);
}

/**
 * Interleaves the channels of two `[n, h, w, c]` tensors: `a0, b0, a1, b1, ...`,
 * so that the first `2k` channels of the result hold the first `k` of each.
 */
export function interleaveChannels(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = a.shape;
  // A concat and a transpose (tf.stack's gradient, Unpack, is slow on wasm): [a0, b0, a1, b1, ...].
  const joined = tf.reshape(tf.concat([a, b], 3), [n, h, w, 2, c]);
  return tf.reshape(tf.transpose(joined, [0, 1, 2, 4, 3]), [n, h, w, 2 * c]);
}

/**
 * `full` with its first `prefix.shape[0]` entries replaced by `prefix`: the
 * moving statistics of a batch norm of which an architecture used only the
 * leading channels.
 */
export function withLeading(full: tf.Tensor1D, prefix: tf.Tensor1D): tf.Tensor1D {
  const k = prefix.shape[0];
  if (k === full.shape[0]) return prefix;
  return tf.concat([prefix, tf.slice(full, [k], [full.shape[0] - k])]);
}

/** What {@link budgetWidthPlanner} needs to know about the space. */
export interface BudgetWidthSettings {
  readonly cells: number;
  readonly nodes: number;
  readonly stemMultiplier: number;
  /** The supernet's width: no architecture runs wider. */
  readonly maxChannels: number;
  /** Trainable parameters of the model `buildModel` would build, at most. */
  readonly parameterBudget: number;
}

const CACHE_LIMIT = 4096;

/**
 * The network plan each architecture runs at in a budget-width search: the
 * widest, up to `maxChannels`, whose model has at most `parameterBudget`
 * trainable parameters (as the architecture would be retrained at an equal
 * parameter budget). Throws, naming the architecture, when not even one
 * channel fits the budget.
 */
export function budgetWidthPlanner(settings: BudgetWidthSettings, task: TaskSpec): (architecture: Architecture) => NetworkPlan {
  const { cells, nodes, stemMultiplier, maxChannels, parameterBudget } = settings;
  const plans = new Map<number, NetworkPlan>();
  const planAt = (channels: number): NetworkPlan => {
    let plan = plans.get(channels);
    if (plan === undefined) {
      plan = planNetwork(cells, channels, stemMultiplier);
      plans.set(channels, plan);
    }
    return plan;
  };
  const widths = new Map<string, number>();
  return (architecture) => {
    const key = JSON.stringify(architecture);
    let width = widths.get(key);
    if (width === undefined) {
      const count = (c: number) => countCellModelParameters({ plan: planAt(c), nodes }, architecture, task);
      const smallest = count(1);
      if (smallest > parameterBudget) {
        throw new RangeError(
          `parameterBudget: architecture ${key} has ${smallest} parameters at 1 channel, more than the budget of ${parameterBudget}; raise parameterBudget`,
        );
      }
      // The count grows with the width: the largest width within the budget, by bisection.
      let [lo, hi] = [1, maxChannels];
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (count(mid) <= parameterBudget) lo = mid;
        else hi = mid - 1;
      }
      width = lo;
      if (widths.size >= CACHE_LIMIT) widths.clear();
      widths.set(key, width);
    }
    return planAt(width);
  };
}
