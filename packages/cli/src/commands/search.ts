import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDirectory, resolveSearchConfig, runFiles, runSearch, writeJsonAtomic, type SearchConfig } from '@asng/engine';
import { keyValues, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { recordPath, runEnvironment, type CliRecord } from '../run-record.js';
import { followSearch, optimizerFactory } from '../search-progress.js';
import { datasetNames, selectBackend, withDataset, workingDirectory } from '../setup.js';
import { loadSpaceModule, looksLikePath } from '../spaces.js';
import { checkWithEngine, TRAINING_OPTIONS, trainingConfig } from '../training-options.js';

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'space',
    type: 'string',
    placeholder: 'NAME|PATH',
    description: 'search space: a built-in name or a module exporting one (required; asng spaces lists them)',
  },
  {
    name: 'space-option',
    type: 'list',
    placeholder: 'KEY=VALUE',
    description: "option of the space's factory (repeatable; asng search --space S --help lists them)",
  },
  { name: 'dataset', type: 'string', values: datasetNames(), description: 'dataset (required)' },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: "directory (or archive) with the dataset's files" },
  {
    name: 'data-cache',
    type: 'boolean',
    description: 'image-file datasets (celeba, image-folder): keep the decoded images in a disk cache, so that later epochs and commands skip decoding',
  },
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'directory of the run (required)' },
  { name: 'optimizer', type: 'string', values: ['asng', 'sng'], description: 'architecture optimizer (default asng)' },
  { name: 'lambda', type: 'integer', min: 2, max: 1000, placeholder: 'N', description: 'architectures per update (default 2)' },
  { name: 'steps', type: 'integer', min: 1, placeholder: 'N', description: 'budget in steps (overrides --epochs)' },
  {
    name: 'warmup-steps',
    type: 'integer',
    min: 0,
    placeholder: 'N',
    description: 'first train the weights N steps with the distribution frozen (default 0, the paper)',
  },
  {
    name: 'freeze-weights',
    type: 'boolean',
    description: 'after the warm-up, learn the distribution on the supernet the warm-up trained, its weights frozen (needs --warmup-steps)',
  },
  {
    name: 'parameter-penalty',
    type: 'number',
    min: 0,
    placeholder: 'X',
    description: 'the distribution ranks loss x parameters^X, architectures as at an equal parameter budget (default 0, the paper: the loss alone)',
  },
  ...TRAINING_OPTIONS,
  { name: 'checkpoint-minutes', type: 'number', greaterThan: 0, placeholder: 'X', description: 'minutes between checkpoints (default 10)' },
  ...COMMON_OPTIONS,
];

/** A module path is recorded absolute, so that the run names it unambiguously wherever it is resumed from. */
const recordedSpec = (spec: string, cwd: string) => (looksLikePath(spec) ? resolve(cwd, spec) : spec);

function required<T>(value: T | undefined, option: string): T {
  if (value === undefined) throw new UsageError(`--${option} is required`);
  return value;
}

/** `asng search [SPACE] --dataset D --run-dir DIR`: a new search, its record in `cli.json`. */
export const searchCommand: Command = {
  name: 'search',
  summary: 'run an architecture search',
  synopsis: '[SPACE] --dataset D --run-dir DIR [options]',
  options: OPTIONS,
  async run({ positionals, values }, io) {
    // `asng search inpainting ...` names the space as a positional argument.
    if (positionals.length > 1 || (positionals.length === 1 && values.space !== undefined)) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(positionals.at(-1))} for 'asng search' (the space is given once, as --space or as the first argument)`,
      );
    }
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, required(values['run-dir'] as string | undefined, 'run-dir'));
    const record: CliRecord = {
      space: recordedSpec(required((values.space as string | undefined) ?? positionals[0], 'space'), cwd),
      spaceOptions: keyValues((values['space-option'] as string[] | undefined) ?? [], 'space-option'),
      dataset: required(values.dataset as string | undefined, 'dataset'),
      ...(values['data-path'] !== undefined ? { dataPath: resolve(cwd, values['data-path'] as string) } : {}),
      ...(values['data-cache'] === true ? { dataCache: true } : {}),
      optimizer: (values.optimizer as 'asng' | 'sng' | undefined) ?? 'asng',
      lambda: (values.lambda as number | undefined) ?? 2,
    };
    if (existsSync(runFiles(runDir).checkpoint)) {
      throw new UsageError(`--run-dir: ${runDir} already holds a search; continue it with 'asng resume ${runDir}' or choose another directory`);
    }
    const config: SearchConfig = {
      ...trainingConfig(values),
      ...(values.steps !== undefined ? { steps: values.steps as number } : {}),
      ...(values['warmup-steps'] !== undefined ? { warmupSteps: values['warmup-steps'] as number } : {}),
      ...(values['parameter-penalty'] !== undefined ? { parameterPenalty: values['parameter-penalty'] as number } : {}),
      ...(values['freeze-weights'] === true ? { freezeWeightsAfterWarmup: true } : {}),
      ...(values['checkpoint-minutes'] !== undefined ? { checkpointMinutes: values['checkpoint-minutes'] as number } : {}),
    };
    checkWithEngine(resolveSearchConfig, config);
    const space = (await loadSpaceModule(record.space, cwd)).create(record.spaceOptions);
    return withDataset(record, io, async (dataset) => {
      const backend = await selectBackend(io, values);
      // Recorded with the run, so that a resume elsewhere says what differs.
      const environment = await runEnvironment(record.space);
      createDirectory(runDir);
      writeJsonAtomic(recordPath(runDir), record);
      return followSearch({
        io,
        values,
        runDir,
        space,
        dataset,
        backend,
        start: (callbacks) =>
          runSearch({
            space,
            dataset,
            runDir,
            config,
            optimizer: optimizerFactory(record),
            environment,
            onWarning: (message) => io.stderr(`warning: ${message}\n`),
            ...callbacks,
          }),
      });
    });
  },
};
