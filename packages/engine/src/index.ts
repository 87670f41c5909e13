export { NonFiniteLossError, checkTrainingConfig, resolveSearchConfig, resumeSearch, runFiles, runSearch } from './search.js';
export type {
  EpochEvent,
  OptimizerFactory,
  ResolvedSearchConfig,
  SearchConfig,
  SearchOptions,
  SearchResult,
  StepEvent,
  TrainingConfig,
} from './search.js';
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
export { readCheckpoint, writeCheckpoint } from './checkpoint.js';
export type { CheckpointArray, CheckpointContents } from './checkpoint.js';
export { copyWeightsByLayerName, retrain } from './retrain.js';
export type { RetrainConfig, RetrainEpochEvent, RetrainOptions, RetrainResult } from './retrain.js';
export { defaultMetrics, evaluateModel } from './evaluate.js';
export type { BatchMetrics, EvaluateModelOptions, Evaluation, PredictingModel } from './evaluate.js';
export { fileSystemIO, registerFileSystemRouter, saveModelAtomically } from './file-system-io.js';
export { largestWidthWithin, trainableParameterCount } from './width-search.js';
export type { WidthSearchOptions } from './width-search.js';
export { canBuildTrainingModel } from './deprecated-aliases.js';
export type { ParameterCounter, TrainingModel, TrainingModelBuilder, TrainingModelOptions } from './deprecated-aliases.js';
