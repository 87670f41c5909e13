import type { Architecture, Optimizer, VariableBelief } from '@asng/core';

/** Reported after every step. */
export interface StepEvent {
  readonly type: 'step';
  /** Steps completed, from 1. */
  readonly step: number;
  readonly totalSteps: number;
  /** The epoch of this step, from 0. */
  readonly epoch: number;
  readonly learningRate: number;
  /** Mean training loss of the sampled architectures. */
  readonly trainLoss: number;
  /** Validation losses told to the optimizer. */
  readonly validationLosses: readonly number[];
  /** Global gradient norm before clipping. */
  readonly gradientNorm: number;
  /** The optimizer's {@link Optimizer.stats} after the update. */
  readonly optimizer: Readonly<Record<string, number>>;
  /** Training images per second over the last step (forward, backward and the validation forward passes). */
  readonly imagesPerSecond: number;
  /** Seconds since the run started (excluding time before a resume). */
  readonly seconds: number;
}

/** Reported at the end of every epoch. */
export interface EpochEvent {
  readonly type: 'epoch';
  /** The epoch that ended, from 0. */
  readonly epoch: number;
  readonly step: number;
  /** The most likely architecture now. */
  readonly best: Architecture;
  /** Its metrics on `evaluationBatches` validation batches (per example). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The optimizer's beliefs, for heat maps. */
  readonly beliefs: readonly VariableBelief[];
  readonly seconds: number;
}

/** A loss that is NaN or infinite: the run stops, nothing is trained on it. */
export class NonFiniteLossError extends Error {
  constructor(
    /** The step (from 1) where it happened. */
    readonly step: number,
    /** In the weight update or in the distribution update. */
    readonly phase: 'train' | 'validation',
    /** The architecture whose loss it was. */
    readonly architecture: Architecture,
    readonly loss: number,
  ) {
    super(`step ${step}: the ${phase} loss is ${loss} for architecture ${JSON.stringify(architecture)}; the search stopped (the last checkpoint is intact)`);
    this.name = 'NonFiniteLossError';
  }
}
