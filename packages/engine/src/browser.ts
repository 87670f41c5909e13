// The engine for browsers (and any JavaScript runtime): nothing here imports a
// Node.js module, which `npm run -s check:browser-imports` keeps so.
export { resumeSearch, runSearch } from './browser-search.js';
export type { BrowserSearchOptions } from './browser-search.js';
export type { OptimizerFactory, SearchOptions, SearchResult } from './search-options.js';
export { NonFiniteLossError } from './search-events.js';
export type { EpochEvent, StepEvent } from './search-events.js';
export { checkTrainingConfig, resolveSearchConfig } from './search-config.js';
export type { ResolvedSearchConfig, SearchConfig, TrainingConfig } from './search-config.js';
export { RUN_FILES, StorageFullError } from './run-storage.js';
export type { ReleaseRunLock, RunStorage } from './run-storage.js';
export { indexedDbStorage } from './indexeddb-storage.js';
export type { IndexedDbStorage, IndexedDbStorageOptions, RunLockManager } from './indexeddb-storage.js';
export type { IdbFactory } from './indexeddb.js';
export { memoryStorage } from './memory-storage.js';
export type { MemoryStorage } from './memory-storage.js';
export { RunInUseError } from './run-in-use-error.js';
export type { RunLockHolder } from './run-in-use-error.js';
export { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
export type { CheckpointArray, CheckpointContents, SavedCheckpoint } from './checkpoint-format.js';
export { EnvironmentChangeError } from './run-environment.js';
export type { RunEnvironment } from './run-environment.js';
export type { DatasetFingerprint } from './dataset-fingerprint.js';
export {
  Adam,
  MomentumSgd,
  checkOptimizerSettings,
  cosineLearningRate,
  createWeightOptimizer,
  scheduledLearningRate,
  stepDecayLearningRate,
} from './weight-optimizer.js';
export type {
  AdamOptions,
  LearningRateScheduleName,
  MomentumSgdOptions,
  ScheduleSettings,
  WeightOptimizer,
  WeightOptimizerName,
  WeightOptimizerSettings,
} from './weight-optimizer.js';
export { copyWeightsByLayerName, retrain } from './retrain.js';
export type { RetrainConfig, RetrainEpochEvent, RetrainOptions, RetrainResult } from './retrain.js';
export { defaultMetrics, evaluateModel } from './evaluate.js';
export type { BatchMetrics, EvaluateModelOptions, Evaluation, PredictingModel } from './evaluate.js';
export { largestWidthWithin, trainableParameterCount } from './width-search.js';
export type { WidthSearchOptions } from './width-search.js';
