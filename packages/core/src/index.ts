// Everything that needs no tfjs types, from the one module instance that the
// distributions and the optimizer use too (`@asng/core/base`).
export * from '@asng/core/base';
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
export { batchTensors } from './search-space.js';
export { taskFor } from './task.js';
export { canBuildTrainingModel, canCountParameters, namesCorruption, scoresOutputs } from './space-abilities.js';
export {
  describesArchitectureGraph,
  type ArchitectureGraph,
  type ArchitectureGraphDescriber,
  type ArchitectureGraphEdge,
  type ArchitectureGraphGroup,
  type ArchitectureGraphNode,
} from './architecture-graph.js';
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
