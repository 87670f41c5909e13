import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { RandomSource } from '@asng/core';

/** The shared, mutable setting of every {@link DropPath} layer of a training model. */
export interface DropPathControl {
  /** Probability of dropping a path for one example, in `[0, 1)`; the trainer raises it over training. */
  probability: number;
  /** The source of the masks: one uniform draw per example and path, in the order the layers run. */
  readonly rng: RandomSource;
}

/**
 * Drop-path (as in DARTS and ENAS retraining): in training mode, the whole
 * input of each example is zeroed with probability `p` and otherwise scaled
 * by `1 / (1 - p)`; in inference mode (or at `p = 0`) the identity. The
 * masks come from the control's seeded RNG, so a run is repeatable. Only
 * training models contain it: the models `buildModel` returns, saves and
 * exports do not.
 */
export class DropPath extends tfl.layers.Layer {
  /** The tfjs-layers class name. */
  static readonly className = 'AsngDropPath';
  private readonly control: DropPathControl;

  constructor(control: DropPathControl, args: { readonly name: string }) {
    super(args);
    this.control = control;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const p = this.control.probability;
    if (kwargs.training !== true || p <= 0) return x;
    const n = x.shape[0]!;
    const keep = 1 - p;
    const mask = new Float32Array(n);
    for (let i = 0; i < n; i++) mask[i] = this.control.rng.uniform() < keep ? 1 / keep : 0;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, [n, ...x.shape.slice(1).map(() => 1)])));
  }
}
