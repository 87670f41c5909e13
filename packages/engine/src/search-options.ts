import type { Architecture, ArchitectureDescription, Dataset, Optimizer, Rng, SearchSpace, Variable, VariableBelief } from '@asng/core';
import type { RunEnvironment } from './run-environment.js';
import type { RunStorage } from './run-storage.js';
import type { SearchConfig } from './search-config.js';
import type { EpochEvent, StepEvent } from './search-events.js';

/** Makes the optimizer of a search from the space's variables and an RNG forked from the run's seed. */
export type OptimizerFactory = (variables: readonly Variable[], rng: Rng) => Optimizer;

/** What {@link runSearch} needs. */
export interface SearchOptions {
  /** The search space. */
  readonly space: SearchSpace;
  /** The dataset; its `train` split is divided into training and validation halves. */
  readonly dataset: Dataset;
  /**
   * Directory of the run: `config.json`, `log.jsonl`, `checkpoint.bin`,
   * `result.json`, `architecture.txt` (Node.js). Needed unless `storage` is
   * given.
   */
  readonly runDir?: string;
  /**
   * Where the run is kept, instead of `runDir`: `indexedDbStorage` in a
   * browser, `memoryStorage`, or your own `RunStorage`.
   * @default fileSystemStorage(runDir)
   */
  readonly storage?: RunStorage;
  /** The settings. */
  readonly config?: SearchConfig;
  /** Makes the optimizer. @default ASNG with lambda = 2 */
  readonly optimizer?: OptimizerFactory;
  /** Stops the run cleanly after the current step, writing a checkpoint. */
  readonly signal?: AbortSignal;
  /** Called after each step. */
  readonly onStep?: (event: StepEvent) => void;
  /** Called after each epoch. */
  readonly onEpoch?: (event: EpochEvent) => void;
  /** Called after each checkpoint is written, with its name (`storage.pathOf('checkpoint.bin')`) and step. */
  readonly onCheckpoint?: (path: string, step: number) => void;
  /**
   * What affects the run's numbers that the engine cannot see itself, for
   * example `{ threads: 2, nativeKernels: true, '@tensorflow/tfjs-backend-wasm': '4.22.0' }`.
   * Recorded with the backend and the tfjs-core version (see `RunEnvironment`)
   * in `config.json` and every checkpoint; `resumeSearch` compares them.
   * @default {}
   */
  readonly environment?: RunEnvironment;
  /**
   * Resume even if the environment differs from the saved one (another
   * backend, thread count or version), with a warning; otherwise
   * `resumeSearch` throws an `EnvironmentChangeError` saying what differs.
   * @default false
   */
  readonly acceptEnvironmentChange?: boolean;
  /**
   * Receives what the run cannot check or guarantee (an old checkpoint
   * without checksums, an accepted environment change).
   * @default console.warn
   */
  readonly onWarning?: (message: string) => void;
}

/** How a search ended. */
export interface SearchResult {
  /** `'completed'` at the budget, `'stopped'` by the signal. */
  readonly status: 'completed' | 'stopped';
  readonly steps: number;
  readonly totalSteps: number;
  /** The most likely architecture. */
  readonly best: Architecture;
  /** Its description, from the space. */
  readonly description: ArchitectureDescription;
  /**
   * The optimizer's final beliefs (for ASNG, its distribution): with
   * `best`, what `likeliestArchitectures` of `@asng/core` needs to list the
   * few architectures the search favours, for a selection by training.
   */
  readonly beliefs: readonly VariableBelief[];
  /** Metrics of the last epoch's evaluation, if an epoch ended. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Seconds of search, resumed parts included. */
  readonly seconds: number;
  /** Where the run was kept: the run directory, or the storage's `location`. */
  readonly runDir: string;
}
