/**
 * The messages between the page and its search worker. Plain structured-clone
 * data only: numbers, strings, arrays, typed arrays, `File`s.
 */
import type { ArchitectureGraph, VariableBelief } from '@asng/core';
import type { BackendAttempt, BrowserBackend } from './backends.js';
import type { MemoryDatasetSpec } from './memory-dataset.js';
import type { SearchSettings } from './settings.js';

/** The names of the downloaded model's files: the JSON names the weights file, so both must sit in one folder. */
export const MODEL_FILES = { json: 'asng-model.json', weights: 'asng-model.weights.bin' } as const;

/** The data a search runs on. */
export type DataChoice = { readonly kind: 'embedded' } | { readonly kind: 'folder'; readonly spec: MemoryDatasetSpec };

/** What the page asks of the worker. */
export type ToWorker =
  | { readonly type: 'init'; readonly backend: BrowserBackend | 'auto'; readonly baseUrl: string }
  | { readonly type: 'decode-folder'; readonly files: readonly { readonly path: string; readonly file: File }[]; readonly size: number }
  | { readonly type: 'start'; readonly runId: string; readonly settings: SearchSettings; readonly data: DataChoice }
  /** Continues a paused or interrupted run from its checkpoint; with `stopAtOnce`, for one step only, then on to the results. */
  | { readonly type: 'resume'; readonly runId: string; readonly settings: SearchSettings; readonly stopAtOnce?: boolean }
  | { readonly type: 'pause' }
  | { readonly type: 'stop' }
  | { readonly type: 'predict'; readonly count: number }
  | { readonly type: 'export-model' }
  | { readonly type: 'export-log'; readonly runId: string }
  | { readonly type: 'delete-run'; readonly runId: string };

/** A step, as the live views need it. */
export interface StepMessage {
  readonly type: 'step';
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly trainLoss: number;
  /** Mean of the validation losses told to the optimizer; NaN during the warm-up. */
  readonly validationLoss: number;
  readonly imagesPerSecond: number;
  readonly seconds: number;
}

/** An epoch's end, with what the heat map and the cell diagram draw. */
export interface EpochMessage {
  readonly type: 'epoch';
  readonly epoch: number;
  readonly step: number;
  readonly beliefs: readonly VariableBelief[];
  readonly graph: ArchitectureGraph;
  readonly description: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What kind of failure an error is, so the page can say what to do. */
export type ErrorKind = 'storage' | 'data' | 'backend' | 'search';

/** What the worker tells the page. */
export type FromWorker =
  | { readonly type: 'backend'; readonly backend: BrowserBackend; readonly reason: string; readonly attempts: readonly BackendAttempt[] }
  | { readonly type: 'data-progress'; readonly done: number; readonly total: number }
  | { readonly type: 'folder-decoded'; readonly spec: MemoryDatasetSpec; readonly bad: readonly { path: string; reason: string }[]; readonly heldOut: boolean }
  | { readonly type: 'dataset'; readonly name: string; readonly train: number; readonly test: number; readonly classes: readonly string[] }
  | StepMessage
  | EpochMessage
  | { readonly type: 'checkpoint'; readonly step: number }
  | { readonly type: 'resumed'; readonly step: number }
  | { readonly type: 'paused'; readonly step: number }
  | {
      readonly type: 'searched';
      readonly status: 'completed' | 'stopped';
      readonly step: number;
      readonly description: string;
      readonly graph: ArchitectureGraph;
      readonly seconds: number;
    }
  | { readonly type: 'retrain-epoch'; readonly epoch: number; readonly epochs: number; readonly trainLoss: number }
  | { readonly type: 'retrained'; readonly accuracy: number; readonly testImages: number; readonly parameters: number; readonly seconds: number }
  | {
      readonly type: 'predictions';
      readonly shape: readonly number[];
      readonly logits: readonly number[];
      readonly images: readonly number[];
      readonly imageShape: readonly number[];
    }
  | { readonly type: 'model'; readonly modelJson: string; readonly weights: ArrayBuffer }
  | { readonly type: 'log'; readonly text: string }
  | { readonly type: 'error'; readonly kind: ErrorKind; readonly message: string };
