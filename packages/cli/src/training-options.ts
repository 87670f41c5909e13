import type { TrainingConfig } from '@asng/engine';
import { UsageError, type OptionSpec } from './args.js';

/** Options of the training budget and the weight optimiser, shared by `search` and `retrain`. */
export const TRAINING_OPTIONS: readonly OptionSpec[] = [
  { name: 'epochs', type: 'integer', min: 1, placeholder: 'N', description: 'budget in epochs (search: default 1; retrain: default 10)' },
  { name: 'batch-size', type: 'integer', min: 1, max: 65536, placeholder: 'N', description: 'batch size (default 64)' },
  { name: 'lr', type: 'number', greaterThan: 0, placeholder: 'X', description: 'initial learning rate (default 0.025)' },
  { name: 'weight-decay', type: 'number', min: 0, placeholder: 'X', description: 'weight decay (default 3e-4)' },
  { name: 'max-examples', type: 'integer', min: 2, placeholder: 'N', description: 'use only the first N training examples' },
  { name: 'seed', type: 'integer', placeholder: 'N', description: 'seed of every random choice (default 0)' },
];

/** The engine's name of each setting the CLI takes as an option, and the option's. */
const OPTION_OF_SETTING: Readonly<Record<string, string>> = {
  seed: 'seed',
  epochs: 'epochs',
  batchSize: 'batch-size',
  learningRate: 'lr',
  weightDecay: 'weight-decay',
  maxExamples: 'max-examples',
  steps: 'steps',
  warmupSteps: 'warmup-steps',
  parameterPenalty: 'parameter-penalty',
  freezeWeightsAfterWarmup: 'freeze-weights',
  checkpointMinutes: 'checkpoint-minutes',
  optimizer: 'optimizer',
  schedule: 'schedule',
  minLearningRate: 'min-lr',
  decayEpochs: 'decay-epochs',
  decayFactor: 'decay-factor',
  auxiliaryWeight: 'auxiliary-weight',
  dropPath: 'drop-path',
};

/** The shared training options of parsed arguments, as engine settings. */
export function trainingConfig(values: Readonly<Record<string, unknown>>): TrainingConfig {
  const number = (name: string) => values[name] as number | undefined;
  return {
    ...(number('seed') !== undefined ? { seed: number('seed') } : {}),
    ...(number('epochs') !== undefined ? { epochs: number('epochs') } : {}),
    ...(number('batch-size') !== undefined ? { batchSize: number('batch-size') } : {}),
    ...(number('lr') !== undefined ? { learningRate: number('lr') } : {}),
    ...(number('weight-decay') !== undefined ? { weightDecay: number('weight-decay') } : {}),
    ...(number('max-examples') !== undefined ? { maxExamples: number('max-examples') } : {}),
  };
}

/**
 * Applies one of the engine's checks of settings (`resolveSearchConfig`,
 * `checkTrainingConfig`) to `config` before anything runs, so that the CLI
 * enforces the engine's very rules; an error naming `config.<setting>` becomes
 * a usage error (exit code 2) naming the option instead (`--lr`).
 */
export function checkWithEngine<C>(check: (config: C) => unknown, config: C): void {
  try {
    check(config);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const message = error.message.replace(/config\.(\w+)/g, (whole, setting: string) =>
      OPTION_OF_SETTING[setting] !== undefined ? `--${OPTION_OF_SETTING[setting]}` : whole,
    );
    throw new UsageError(message);
  }
}
