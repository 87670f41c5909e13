import {
  canBuildTrainingModel as coreCanBuildTrainingModel,
  type ParameterCounter as CoreParameterCounter,
  type TrainingModel as CoreTrainingModel,
  type TrainingModelBuilder as CoreTrainingModelBuilder,
  type TrainingModelOptions as CoreTrainingModelOptions,
} from '@asng/core';

/** @deprecated The optional abilities of a space are declared in `@asng/core`: import `TrainingModelOptions` from there. */
export type TrainingModelOptions = CoreTrainingModelOptions;

/** @deprecated The optional abilities of a space are declared in `@asng/core`: import `TrainingModel` from there. */
export type TrainingModel = CoreTrainingModel;

/** @deprecated The optional abilities of a space are declared in `@asng/core`: import `TrainingModelBuilder` from there. */
export type TrainingModelBuilder = CoreTrainingModelBuilder;

/** @deprecated The optional abilities of a space are declared in `@asng/core`: import `ParameterCounter` from there. */
export type ParameterCounter = CoreParameterCounter;

/** @deprecated The optional abilities of a space are declared in `@asng/core`: import `canBuildTrainingModel` from there. */
export const canBuildTrainingModel = coreCanBuildTrainingModel;
