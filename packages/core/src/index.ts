export { Rng } from './rng.js';
export type { RandomSource, RngState } from './rng.js';
export {
  categorical,
  continuous,
  formatArchitecture,
  integer,
  minStdOf,
  validateArchitecture,
  validateVariables,
} from './variables.js';
export type {
  Architecture,
  CategoricalVariable,
  Choice,
  ContinuousVariable,
  IntegerVariable,
  NumericVariable,
  Variable,
} from './variables.js';
export { ProductDistribution } from './distribution.js';
export type { Distribution, DistributionState, SampleOf } from './distribution.js';
export type { Candidate, Optimizer, OptimizerState, VariableBelief } from './optimizer.js';
export type {
  ArchitectureDescription,
  Batch,
  ForwardOptions,
  MetricSpec,
  NamedWeight,
  SearchSpace,
  Supernet,
  TaskSpec,
} from './search-space.js';
export { taskFor } from './task.js';
export { canBuildTrainingModel, canCountParameters, namesCorruption, scoresOutputs } from './space-abilities.js';
export { describesArchitectureGraph, type ArchitectureGraph, type ArchitectureGraphDescriber, type ArchitectureGraphEdge, type ArchitectureGraphGroup, type ArchitectureGraphNode } from './architecture-graph.js';
export type { CorruptionNamer, OutputScorer, ParameterCounter, TrainingModel, TrainingModelBuilder, TrainingModelOptions } from './space-abilities.js';
export { SpaceOptionError, defineSpaceDescriptor, describeSpaceOption, hasWidthOption, isSpaceDescriptor, parseSpaceOptions } from './space-descriptor.js';
export type {
  BooleanOptionSpec,
  EnumOptionSpec,
  IntegerOptionSpec,
  NumberListOptionSpec,
  NumberOptionSpec,
  SpaceDescriptor,
  SpaceOptionSchema,
  SpaceOptionSpec,
  SpaceOptionValue,
  SpaceOptionValueOf,
  SpaceOptionsOf,
  StringOptionSpec,
  WidthOption,
} from './space-descriptor.js';
export type {
  Dataset,
  DatasetInfo,
  DatasetLoader,
  DatasetLoadOptions,
  DatasetSplit,
  ExampleBatch,
  ImageShape,
  ProgressEvent,
  SplitName,
} from './dataset.js';
export { checkSampleWeights, checkVectorLength, outputVector } from './vectors.js';
