import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '@asng/core';

/** Settings of {@link MomentumSgd}. */
export interface MomentumSgdOptions {
  /** Momentum factor. @default 0.9 */
  readonly momentum?: number;
  /** L2 weight decay added to each gradient (PyTorch's `weight_decay`). @default 3e-4 */
  readonly weightDecay?: number;
  /** Largest global L2 norm of the gradient; larger gradients are scaled down. `Infinity` disables clipping. @default 5 */
  readonly clipNorm?: number;
  /** Use Nesterov momentum. @default false */
  readonly nesterov?: boolean;
}

/**
 * SGD with momentum, weight decay and global-norm gradient clipping, with
 * PyTorch's semantics: `g = clip(grad) + wd * w; v = mu v + g; w -= lr v`.
 * Weights without a gradient in a step (the paths a sampled architecture did
 * not use) are left alone, their momentum included. Momentum buffers are
 * named after their weights so that checkpoints can save and restore them.
 */
export class MomentumSgd {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  readonly nesterov: boolean;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(options: MomentumSgdOptions = {}) {
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 3e-4;
    this.clipNorm = options.clipNorm ?? 5;
    this.nesterov = options.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay))) throw new RangeError(`weightDecay must be a finite number >= 0, got ${this.weightDecay}`);
    if (!(this.clipNorm > 0)) throw new RangeError(`clipNorm must be positive (Infinity disables clipping), got ${this.clipNorm}`);
  }

  /**
   * Applies one step. `grads` maps weight names to gradients (missing: not
   * used this step). Returns the global gradient norm before clipping.
   * Disposes nothing it did not create; the caller disposes `grads`.
   */
  step(weights: readonly NamedWeight[], grads: Readonly<Record<string, tf.Tensor>>, learningRate: number): number {
    const used = weights.filter((w) => w.trainable && grads[w.variable.name] !== undefined);
    if (used.length === 0) return 0;
    const norm = tf.tidy(() => {
      const squares = used.map((w) => tf.sum(tf.square(grads[w.variable.name]!)));
      return tf.sqrt(tf.addN(squares));
    });
    const globalNorm = (norm.dataSync() as Float32Array)[0]!;
    norm.dispose();
    const scale = Number.isFinite(this.clipNorm) && globalNorm > this.clipNorm ? this.clipNorm / (globalNorm + 1e-6) : 1;
    tf.tidy(() => {
      for (const w of used) {
        const v = w.variable;
        let g = grads[v.name]!;
        if (scale !== 1) g = tf.mul(g, scale);
        if (this.weightDecay > 0) g = tf.add(g, tf.mul(v, this.weightDecay));
        let slot = this.slots.get(w.name);
        if (slot === undefined) {
          // PyTorch starts the buffer at the first gradient.
          slot = tf.variable(g, false, `${v.name}/momentum`);
          this.slots.set(w.name, slot);
        } else {
          slot.assign(tf.add(tf.mul(slot, this.momentum), g));
        }
        const direction = this.nesterov ? tf.add(g, tf.mul(slot, this.momentum)) : slot;
        v.assign(tf.sub(v, tf.mul(direction, learningRate)));
      }
    });
    return globalNorm;
  }

  /** The momentum buffers, by weight name (for checkpoints). */
  slotTensors(): ReadonlyMap<string, tf.Variable> {
    return this.slots;
  }

  /** Replaces the momentum buffers (from a checkpoint); takes ownership of the tensors. */
  setSlots(slots: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    for (const [name, t] of slots) {
      this.slots.set(name, tf.variable(t, false, `${name}/momentum`));
      t.dispose();
    }
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
  }
}

/**
 * Cosine learning-rate schedule over `totalSteps`, as PyTorch's
 * `CosineAnnealingLR`: `min + (max - min) (1 + cos(pi t / T)) / 2` at step `t` (from 0).
 */
export function cosineLearningRate(step: number, totalSteps: number, max: number, min = 0): number {
  const t = Math.min(Math.max(step, 0), totalSteps);
  return min + ((max - min) * (1 + Math.cos((Math.PI * t) / totalSteps))) / 2;
}
