import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { normalizeBatch } from './normalize-batch.js';

/**
 * The batch norm of training models: the same weights as tfjs-layers'
 * `batchNormalization` (`gamma`, `beta`, `moving_mean`, `moving_variance`, in
 * that order; gamma and beta frozen at 1 and 0 when not `affine`) and the same
 * semantics (epsilon 1e-5, moving averages with momentum 0.9 of the biased
 * batch variance), but its training-mode pass is the supernet's
 * `normalizeBatch`: the fused kernels of `@asng/tfjs-wasm-training` on wasm
 * and a closed-form gradient elsewhere, instead of tfjs-core's batch-norm
 * gradient, which tiles its statistics to the full input size (most of a
 * retraining step's time on wasm). Not serialisable: the trainer copies its
 * weights into `buildModel`'s standard layers.
 */
export class TrainingBatchNorm extends tfl.layers.Layer {
  /** The tfjs-layers class name. */
  static readonly className = 'AsngTrainingBatchNorm';
  private readonly affine: boolean;
  private gamma?: tfl.LayerVariable;
  private beta?: tfl.LayerVariable;
  private movingMean?: tfl.LayerVariable;
  private movingVariance?: tfl.LayerVariable;

  constructor(args: { readonly name: string; readonly affine: boolean }) {
    super({ name: args.name, ...(args.affine ? {} : { trainable: false }) });
    this.affine = args.affine;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1]!;
    this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tfl.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [movingMean, movingVariance] = [this.movingMean!, this.movingVariance!];
      const y =
        kwargs.training === true
          ? normalizeBatch(x, (mean, variance) => {
              movingMean.write(tf.add(tf.mul(movingMean.read(), 0.9), tf.mul(mean, 0.1)));
              movingVariance.write(tf.add(tf.mul(movingVariance.read(), 0.9), tf.mul(variance, 0.1)));
            })
          : tf.mul(tf.sub(x, movingMean.read()), tf.rsqrt(tf.add(movingVariance.read(), 1e-5)));
      return this.affine ? tf.add(tf.mul(y, this.gamma!.read()), this.beta!.read()) : y;
    });
  }
}
