import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeight } from '@asng/core';
import { addTensors } from './add-tensors.js';

/**
 * What updates a network's weights from their gradients: {@link MomentumSgd}
 * or {@link Adam}, or a user's own. Its state (the slots) is a set of named
 * tensors, so that checkpoints can save and restore it exactly.
 */
export interface WeightOptimizer {
  /**
   * Applies one step. `grads` maps weight (variable) names to gradients
   * (missing: not used this step, so neither the weight nor its slots move).
   * Resolves to the global gradient norm before clipping, once the weights
   * are updated: await it before disposing `grads` (the norm is read
   * asynchronously, which every backend can do, the webgpu backend in Node
   * included, where synchronous reads fail). Disposes nothing it did not
   * create; the caller disposes `grads`.
   */
  step(weights: readonly NamedWeight[], grads: Readonly<Record<string, tf.Tensor>>, learningRate: number): Promise<number>;
  /** The state, as tensors named `<slot kind>/<weight name>` (for checkpoints). */
  slotTensors(): ReadonlyMap<string, tf.Tensor>;
  /** Replaces the state with tensors named as {@link slotTensors} names them; takes ownership of the tensors. */
  setSlots(slots: ReadonlyMap<string, tf.Tensor>): void;
  /** Frees the state. */
  dispose(): void;
}

/** Options shared by the weight optimizers. */
interface ClippingOptions {
  /** L2 weight decay added to each gradient (PyTorch's `weight_decay`). @default 3e-4 */
  readonly weightDecay?: number;
  /** Largest global L2 norm of the gradient; larger gradients are scaled down. `Infinity` disables clipping. @default 5 */
  readonly clipNorm?: number;
}

function checkClipping(weightDecay: number, clipNorm: number): void {
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new RangeError(`weightDecay must be a finite number >= 0, got ${weightDecay}`);
  if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be positive (Infinity disables clipping), got ${clipNorm}`);
}

/**
 * The weights a step updates (trainable, with a gradient), the global norm of
 * their gradients, and the factor that clips it to `clipNorm`.
 */
async function clippedGradients(
  weights: readonly NamedWeight[],
  grads: Readonly<Record<string, tf.Tensor>>,
  clipNorm: number,
): Promise<{ used: NamedWeight[]; globalNorm: number; scale: number }> {
  const used = weights.filter((w) => w.trainable && grads[w.variable.name] !== undefined);
  if (used.length === 0) return { used, globalNorm: 0, scale: 1 };
  // One tf.addN of all the squared norms, except on webgpu (at most 7 per AddN there): see addTensors.
  const norm = tf.tidy(() => tf.sqrt(addTensors(used.map((w) => tf.sum(tf.square(grads[w.variable.name]!))))));
  let globalNorm: number;
  try {
    globalNorm = (await norm.data())[0]!;
  } finally {
    norm.dispose();
  }
  const scale = Number.isFinite(clipNorm) && globalNorm > clipNorm ? clipNorm / (globalNorm + 1e-6) : 1;
  return { used, globalNorm, scale };
}

/** `clip(grad) + wd * w`, inside a tidy. */
function regularisedGradient(w: tf.Variable, grad: tf.Tensor, scale: number, weightDecay: number): tf.Tensor {
  let g = grad;
  if (scale !== 1) g = tf.mul(g, scale);
  if (weightDecay > 0) g = tf.add(g, tf.mul(w, weightDecay));
  return g;
}

/**
 * Name of the kernel {@link MomentumSgd} runs, where the active backend has
 * one, instead of composing its update of 5 to 7 kernels per weight: inputs
 * `{ variable, gradient, velocity }`, attributes `{ learningRate, momentum,
 * weightDecay, gradientScale, nesterov, first }`, outputs `[variable',
 * velocity']`, rounded to float32 operation by operation as the composed
 * update (the same bits). `@asng/tfjs-wasm-training` registers it for wasm.
 */
export const MOMENTUM_SGD_UPDATE = 'MomentumSgdUpdate';

/** Settings of {@link MomentumSgd}. */
export interface MomentumSgdOptions extends ClippingOptions {
  /** Momentum factor. @default 0.9 */
  readonly momentum?: number;
  /** Use Nesterov momentum. @default false */
  readonly nesterov?: boolean;
}

/**
 * SGD with momentum, weight decay and global-norm gradient clipping, with
 * PyTorch's semantics: `g = clip(grad) + wd * w; v = mu v + g; w -= lr v`.
 * Weights without a gradient in a step (the paths a sampled architecture did
 * not use) are left alone, their momentum included. Its slots are named
 * `momentum/<weight name>`.
 */
export class MomentumSgd implements WeightOptimizer {
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
    checkClipping(this.weightDecay, this.clipNorm);
  }

  async step(weights: readonly NamedWeight[], grads: Readonly<Record<string, tf.Tensor>>, learningRate: number): Promise<number> {
    const { used, globalNorm, scale } = await clippedGradients(weights, grads, this.clipNorm);
    if (tf.getKernel(MOMENTUM_SGD_UPDATE, tf.getBackend()) !== undefined) {
      this.fusedStep(used, grads, learningRate, scale);
      return globalNorm;
    }
    tf.tidy(() => {
      for (const w of used) {
        const v = w.variable;
        const g = regularisedGradient(v, grads[v.name]!, scale, this.weightDecay);
        const key = `momentum/${w.name}`;
        let slot = this.slots.get(key);
        if (slot === undefined) {
          // PyTorch starts the buffer at the first gradient.
          slot = tf.variable(g, false);
          this.slots.set(key, slot);
        } else {
          slot.assign(tf.add(tf.mul(slot, this.momentum), g));
        }
        const direction = this.nesterov ? tf.add(g, tf.mul(slot, this.momentum)) : slot;
        v.assign(tf.sub(v, tf.mul(direction, learningRate)));
      }
    });
    return globalNorm;
  }

  /** The step of {@link MomentumSgd.step} with one {@link MOMENTUM_SGD_UPDATE} kernel per weight: the same bits. */
  private fusedStep(used: readonly NamedWeight[], grads: Readonly<Record<string, tf.Tensor>>, learningRate: number, scale: number): void {
    tf.tidy(() => {
      for (const w of used) {
        const v = w.variable;
        const key = `momentum/${w.name}`;
        const slot = this.slots.get(key);
        const attrs = {
          learningRate,
          momentum: this.momentum,
          weightDecay: this.weightDecay,
          gradientScale: scale,
          nesterov: this.nesterov,
          first: slot === undefined,
        };
        const inputs = { variable: v, gradient: grads[v.name]!, velocity: slot ?? v };
        const [next, velocity] = tf.engine().runKernel(MOMENTUM_SGD_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        if (slot === undefined) this.slots.set(key, tf.variable(velocity!, false));
        else slot.assign(velocity!);
        v.assign(next!);
      }
    });
  }

  slotTensors(): ReadonlyMap<string, tf.Variable> {
    return this.slots;
  }

  setSlots(slots: ReadonlyMap<string, tf.Tensor>): void {
    const foreign = [...slots.keys()].filter((name) => !name.startsWith('momentum/'));
    if (foreign.length > 0) {
      tf.dispose([...slots.values()]);
      throw new Error(`MomentumSgd.setSlots: slot '${foreign[0]}' is not a momentum buffer (expected 'momentum/<weight>'; saved by another optimizer?)`);
    }
    this.dispose();
    for (const [name, t] of slots) {
      this.slots.set(name, tf.variable(t, false));
      t.dispose();
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
  }
}

/** Settings of {@link Adam}. */
export interface AdamOptions extends ClippingOptions {
  /** Decay rates of the first and second moment estimates. @default [0.9, 0.999] */
  readonly betas?: readonly [number, number];
  /** Added to the root of the second moment. @default 1e-8 */
  readonly epsilon?: number;
}

/**
 * Adam (Kingma and Ba) with PyTorch's semantics, L2 weight decay and
 * global-norm clipping: `g = clip(grad) + wd * w; m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.
 * Each weight counts its own steps `t`: a weight that a sampled architecture
 * did not use is left alone, its moments and count included (as a sparse
 * "lazy" Adam). Its slots are `adam-m/<weight>`, `adam-v/<weight>` and the
 * step count `adam-t/<weight>` (a scalar).
 */
export class Adam implements WeightOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable; t: number; count?: tf.Variable }>();

  constructor(options: AdamOptions = {}) {
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 3e-4;
    this.clipNorm = options.clipNorm ?? 5;
    for (const [name, b] of [
      ['betas[0]', this.beta1],
      ['betas[1]', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new RangeError(`Adam ${name} must be in [0, 1), got ${b}`);
    }
    if (!(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw new RangeError(`Adam epsilon must be a positive number, got ${this.epsilon}`);
    checkClipping(this.weightDecay, this.clipNorm);
  }

  async step(weights: readonly NamedWeight[], grads: Readonly<Record<string, tf.Tensor>>, learningRate: number): Promise<number> {
    const { used, globalNorm, scale } = await clippedGradients(weights, grads, this.clipNorm);
    tf.tidy(() => {
      for (const w of used) {
        const variable = w.variable;
        const g = regularisedGradient(variable, grads[variable.name]!, scale, this.weightDecay);
        let state = this.moments.get(w.name);
        if (state === undefined) {
          state = {
            m: tf.variable(tf.zerosLike(variable), false),
            v: tf.variable(tf.zerosLike(variable), false),
            t: 0,
          };
          this.moments.set(w.name, state);
        }
        state.t += 1;
        state.m.assign(tf.add(tf.mul(state.m, this.beta1), tf.mul(g, 1 - this.beta1)));
        state.v.assign(tf.add(tf.mul(state.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const stepSize = learningRate / (1 - this.beta1 ** state.t);
        const denominator = tf.add(tf.sqrt(tf.div(state.v, 1 - this.beta2 ** state.t)), this.epsilon);
        variable.assign(tf.sub(variable, tf.mul(tf.div(state.m, denominator), stepSize)));
      }
    });
    return globalNorm;
  }

  slotTensors(): ReadonlyMap<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, s] of this.moments) {
      out.set(`adam-m/${name}`, s.m);
      out.set(`adam-v/${name}`, s.v);
      // The count lives in JS; its tensor is made (and kept up to date) only for checkpoints.
      if (s.count === undefined) s.count = tf.tidy(() => tf.variable(tf.scalar(s.t), false));
      else tf.tidy(() => s.count!.assign(tf.scalar(s.t)));
      out.set(`adam-t/${name}`, s.count);
    }
    return out;
  }

  setSlots(slots: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    const parts = new Map<string, { m?: tf.Tensor; v?: tf.Tensor; t?: number }>();
    const errors: string[] = [];
    for (const [key, tensor] of slots) {
      const slash = key.indexOf('/');
      const kind = key.slice(0, slash);
      const name = key.slice(slash + 1);
      const entry = parts.get(name) ?? {};
      parts.set(name, entry);
      if (kind === 'adam-m') entry.m = tensor;
      else if (kind === 'adam-v') entry.v = tensor;
      else if (kind === 'adam-t') {
        entry.t = (tensor.dataSync() as Float32Array)[0]!;
        tensor.dispose();
      } else {
        errors.push(`slot '${key}' is not an Adam moment (expected 'adam-m/', 'adam-v/' or 'adam-t/<weight>'; saved by another optimizer?)`);
        tensor.dispose();
      }
    }
    for (const [name, p] of parts) {
      if (p.m === undefined || p.v === undefined || p.t === undefined || !(Number.isInteger(p.t) && p.t >= 1)) {
        errors.push(`weight '${name}': expected its adam-m, adam-v and an integer adam-t >= 1`);
      }
    }
    if (errors.length > 0) {
      for (const p of parts.values()) tf.dispose([p.m, p.v].filter((t): t is tf.Tensor => t !== undefined));
      throw new Error(`Adam.setSlots: ${errors.join('; ')}`);
    }
    for (const [name, p] of parts) {
      this.moments.set(name, { m: tf.variable(p.m!, false), v: tf.variable(p.v!, false), t: p.t! });
      tf.dispose([p.m!, p.v!]);
    }
  }

  dispose(): void {
    for (const s of this.moments.values()) tf.dispose(s.count === undefined ? [s.m, s.v] : [s.m, s.v, s.count]);
    this.moments.clear();
  }
}

/** The weight optimizers that the training settings' `optimizer` field names. */
export type WeightOptimizerName = 'sgd' | 'adam';

/** The learning-rate schedules that the training settings' `schedule` field names. */
export type LearningRateScheduleName = 'cosine' | 'step' | 'constant';

/**
 * Step decay, as PyTorch's `MultiStepLR`: `initial * factor^k` where `k` is
 * the number of `milestones` (in steps) at or below `step`.
 */
export function stepDecayLearningRate(step: number, milestones: readonly number[], initial: number, factor: number): number {
  let k = 0;
  for (const m of milestones) if (step >= m) k++;
  return initial * factor ** k;
}

/**
 * Cosine learning-rate schedule over `totalSteps`, as PyTorch's
 * `CosineAnnealingLR`: `min + (max - min) (1 + cos(pi t / T)) / 2` at step `t` (from 0).
 */
export function cosineLearningRate(step: number, totalSteps: number, max: number, min = 0): number {
  const t = Math.min(Math.max(step, 0), totalSteps);
  return min + ((max - min) * (1 + Math.cos((Math.PI * t) / totalSteps))) / 2;
}
/** The fields of the training settings that choose and configure the weight optimizer. */
export interface WeightOptimizerSettings {
  readonly optimizer?: WeightOptimizerName;
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly clipNorm?: number;
  readonly adamBetas?: readonly [number, number];
}

/** Makes the weight optimizer that `settings.optimizer` names (SGD with momentum by default). */
export function createWeightOptimizer(settings: WeightOptimizerSettings = {}): WeightOptimizer {
  const common = {
    ...(settings.weightDecay !== undefined ? { weightDecay: settings.weightDecay } : {}),
    ...(settings.clipNorm !== undefined ? { clipNorm: settings.clipNorm } : {}),
  };
  switch (settings.optimizer ?? 'sgd') {
    case 'sgd':
      return new MomentumSgd({ ...common, ...(settings.momentum !== undefined ? { momentum: settings.momentum } : {}) });
    case 'adam':
      return new Adam({ ...common, ...(settings.adamBetas !== undefined ? { betas: settings.adamBetas } : {}) });
    default:
      throw new RangeError(`optimizer: expected 'sgd' or 'adam', got ${JSON.stringify(settings.optimizer)}`);
  }
}

/** The fields of the training settings that define the learning-rate schedule. */
export interface ScheduleSettings {
  readonly schedule?: LearningRateScheduleName;
  readonly learningRate?: number;
  readonly minLearningRate?: number;
  readonly decayEpochs?: readonly number[];
  readonly decayFactor?: number;
}

/**
 * The learning rate at `step` (from 0) of `totalSteps`, with `stepsPerEpoch`
 * steps per epoch: `cosine` from `learningRate` to `minLearningRate` (the
 * default), `step` (multiplied by `decayFactor`, default 0.1, at each of
 * `decayEpochs`, default half and three quarters of the budget) or `constant`.
 */
export function scheduledLearningRate(settings: ScheduleSettings, step: number, totalSteps: number, stepsPerEpoch: number): number {
  const initial = settings.learningRate ?? 0.025;
  switch (settings.schedule ?? 'cosine') {
    case 'cosine':
      return cosineLearningRate(step, totalSteps, initial, settings.minLearningRate ?? 0);
    case 'constant':
      return initial;
    case 'step': {
      const milestones = settings.decayEpochs?.map((e) => Math.round(e * stepsPerEpoch)) ?? [Math.round(totalSteps / 2), Math.round((3 * totalSteps) / 4)];
      return stepDecayLearningRate(step, milestones, initial, settings.decayFactor ?? 0.1);
    }
    default:
      throw new RangeError(`schedule: expected 'cosine', 'step' or 'constant', got ${JSON.stringify(settings.schedule)}`);
  }
}

/**
 * Checks the optimizer and schedule fields of training settings, naming the
 * bad field (`config.<field>`). Numeric fields shared with other settings
 * (learning rate, momentum, ...) are checked by their users.
 */
export function checkOptimizerSettings(c: WeightOptimizerSettings & ScheduleSettings): void {
  if (c.optimizer !== undefined && c.optimizer !== 'sgd' && c.optimizer !== 'adam') {
    throw new RangeError(`config.optimizer: expected 'sgd' or 'adam', got ${JSON.stringify(c.optimizer)}`);
  }
  if (c.schedule !== undefined && !['cosine', 'step', 'constant'].includes(c.schedule)) {
    throw new RangeError(`config.schedule: expected 'cosine', 'step' or 'constant', got ${JSON.stringify(c.schedule)}`);
  }
  if (c.adamBetas !== undefined && !(c.adamBetas.length === 2 && c.adamBetas.every((b) => b >= 0 && b < 1))) {
    throw new RangeError(`config.adamBetas: expected two numbers in [0, 1), got ${JSON.stringify(c.adamBetas)}`);
  }
  if (c.decayFactor !== undefined && !(c.decayFactor > 0 && c.decayFactor <= 1)) {
    throw new RangeError(`config.decayFactor: expected a number in (0, 1], got ${String(c.decayFactor)}`);
  }
  if (c.decayEpochs !== undefined && !(Array.isArray(c.decayEpochs) && c.decayEpochs.every((e) => Number.isFinite(e) && e > 0))) {
    throw new RangeError(`config.decayEpochs: expected a list of positive epochs, got ${JSON.stringify(c.decayEpochs)}`);
  }
}
