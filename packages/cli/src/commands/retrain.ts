import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { comparisonArchitectures } from '@asng/core';
import {
  checkTrainingConfig,
  largestWidthWithin,
  retrain,
  runFiles,
  saveModelAtomically,
  trainableParameterCount,
  writeJsonAtomic,
  type RetrainConfig,
} from '@asng/engine';
import { keyValues, parseDecimal, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { readJsonFile } from '../json-file.js';
import { writeModelRestorations } from '../restorations.js';
import { MODEL_DIR, modelRecord, readSearch, recordPath, type CliRecord } from '../run-record.js';
import { selectBackend, spaceMetrics, taskOf, withDataset, workingDirectory } from '../setup.js';
import { loadRecordedSpace, RECORDED_SPACE_OPTION, type LoadedSpace, type SpaceOptions } from '../spaces.js';
import { checkWithEngine, TRAINING_OPTIONS, trainingConfig } from '../training-options.js';
import { formatMetrics } from './evaluate.js';

const OPTIONS: readonly OptionSpec[] = [
  ...TRAINING_OPTIONS,
  { name: 'optimizer', type: 'string', values: ['sgd', 'adam'], description: 'weight optimizer: SGD with momentum 0.9, or Adam (default sgd)' },
  { name: 'schedule', type: 'string', values: ['cosine', 'step', 'constant'], description: 'learning-rate schedule (default cosine)' },
  { name: 'min-lr', type: 'number', min: 0, placeholder: 'X', description: 'final learning rate of the cosine schedule (default 0)' },
  {
    name: 'decay-epochs',
    type: 'string',
    placeholder: 'E1,E2',
    description: "epochs of the step schedule's decays (default half and three quarters of the budget)",
  },
  { name: 'decay-factor', type: 'number', greaterThan: 0, max: 1, placeholder: 'X', description: 'factor of each step decay (default 0.1)' },
  { name: 'crop', type: 'integer', min: 1, placeholder: 'N', description: 'random crop of each image padded by N pixels (default none)' },
  { name: 'flip', type: 'boolean', description: 'mirror each image left-right with probability 1/2' },
  { name: 'cutout', type: 'integer', min: 1, placeholder: 'N', description: 'cutout square side (default none)' },
  {
    name: 'space-option',
    type: 'list',
    placeholder: 'KEY=VALUE',
    description:
      "option of the space's factory for the retrained network, over the search's (repeatable; e.g. a bigger network than the search's; asng spaces NAME lists them)",
  },
  {
    name: 'param-budget',
    type: 'number',
    min: 1,
    placeholder: 'N',
    description: "set the space's width option (its descriptor's 'width') to the largest width whose model has at most N trainable parameters (e.g. 4e6)",
  },
  {
    name: 'auxiliary-weight',
    type: 'number',
    min: 0,
    placeholder: 'X',
    description: 'loss weight of an auxiliary head at 2/3 depth, training only (DARTS: 0.4; default none)',
  },
  {
    name: 'random-architecture',
    type: 'integer',
    min: 1,
    placeholder: 'I',
    description:
      "retrain the I-th architecture drawn uniformly from the run's space for its search seed (the baseline of a found-against-random comparison; as bench:quality draws them) instead of the found one; output in RUN_DIR/random-I unless --out",
  },
  {
    name: 'out',
    type: 'string',
    placeholder: 'DIR',
    description: 'where the model (DIR/model) and retrain.json go (default RUN_DIR, or RUN_DIR/random-I with --random-architecture)',
  },
  RECORDED_SPACE_OPTION,
  { name: 'drop-path', type: 'number', min: 0, placeholder: 'P', description: 'drop-path probability, raised linearly from 0 over training (default none)' },
  ...COMMON_OPTIONS,
];

/**
 * The space options of the retrained network: the search's, with the
 * `--space-option` values over them (checked against the space's schema when
 * the space is created). `--param-budget` chooses the width option, so it
 * refuses a `--space-option` that sets it.
 */
function retrainSpaceOptions(loaded: LoadedSpace, record: CliRecord, values: Readonly<Record<string, unknown>>): SpaceOptions {
  const given = keyValues((values['space-option'] as string[] | undefined) ?? [], 'space-option');
  const width = loaded.width?.option;
  if (values['param-budget'] !== undefined && width !== undefined && Object.hasOwn(given, width))
    throw new UsageError(`--param-budget chooses the space's '${width}' option: give it or --space-option ${width}=N, not both`);
  const options: SpaceOptions = { ...record.spaceOptions, ...given };
  // Checked now, before the dataset is loaded: a usage error naming the option.
  loaded.create(options);
  return options;
}

/** The settings of `asng retrain`'s options, checked by the engine's rules (errors name the option). */
function retrainConfig(values: Readonly<Record<string, unknown>>): RetrainConfig {
  const dropPath = values['drop-path'] as number | undefined;
  if (dropPath !== undefined && !(dropPath < 1)) throw new UsageError(`--drop-path: expected a probability below 1, got ${dropPath}`);
  const decayText = values['decay-epochs'] as string | undefined;
  const decayEpochs = decayText?.split(',').map((e) => parseDecimal(e) ?? Number.NaN);
  if (decayEpochs?.some((e) => !(e > 0 && Number.isFinite(e))))
    throw new UsageError(`--decay-epochs: expected comma-separated positive numbers, got ${JSON.stringify(decayText)}`);
  const augment =
    values.cutout !== undefined || values.crop !== undefined || values.flip === true
      ? {
          ...(values.crop !== undefined ? { crop: { padding: values.crop as number } } : {}),
          ...(values.flip === true ? { flip: true } : {}),
          ...(values.cutout !== undefined ? { cutout: { size: values.cutout as number } } : {}),
        }
      : undefined;
  const config: RetrainConfig = {
    ...trainingConfig(values),
    epochs: (values.epochs as number | undefined) ?? 10,
    ...(values.optimizer !== undefined ? { optimizer: values.optimizer as 'sgd' | 'adam' } : {}),
    ...(values.schedule !== undefined ? { schedule: values.schedule as 'cosine' | 'step' | 'constant' } : {}),
    ...(values['min-lr'] !== undefined ? { minLearningRate: values['min-lr'] as number } : {}),
    ...(decayEpochs !== undefined ? { decayEpochs } : {}),
    ...(values['decay-factor'] !== undefined ? { decayFactor: values['decay-factor'] as number } : {}),
    ...(augment !== undefined ? { augment } : {}),
    ...(values['auxiliary-weight'] !== undefined ? { auxiliaryWeight: values['auxiliary-weight'] as number } : {}),
    ...(dropPath !== undefined ? { dropPath } : {}),
  };
  checkWithEngine(checkTrainingConfig, config);
  return config;
}

/** The search seed of a run (its `config.json`), which names the random architectures compared with its search. */
function searchSeed(runDir: string): number {
  const path = runFiles(runDir).config;
  if (!existsSync(path)) throw new Error(`${path}: missing; --random-architecture needs the search's seed from a completed 'asng search' run`);
  const seed = readJsonFile<{ config?: { seed?: unknown } }>(path).config?.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new Error(`${path}: config.seed: expected the search's integer seed, got ${JSON.stringify(seed)}`);
  return seed;
}

/**
 * `asng retrain RUN_DIR`: the most likely architecture of a finished search
 * (or, with `--random-architecture I`, the I-th uniformly random one of its
 * space), trained from scratch, tested and saved.
 */
export const retrainCommand: Command = {
  name: 'retrain',
  summary: 'train the found architecture from scratch, test it, save it to RUN_DIR/model',
  synopsis: 'RUN_DIR [--epochs N] [--space-option KEY=VALUE ...] [--param-budget N] [--random-architecture I] [--out DIR] ...',
  options: OPTIONS,
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng retrain' takes one run directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, positionals[0]!);
    const budget = values['param-budget'] as number | undefined;
    const config = retrainConfig(values);
    const { record, best: found } = readSearch(runDir);
    const loaded = await loadRecordedSpace(record.space, recordPath(runDir), values.space as string | undefined, cwd);
    let spaceOptions = retrainSpaceOptions(loaded, record, values);
    const randomIndex = values['random-architecture'] as number | undefined;
    const seed = randomIndex === undefined ? undefined : searchSeed(runDir);
    // The variables of the search's space: the random architectures are those of the space that was searched.
    const best = seed === undefined ? found : comparisonArchitectures(loaded.create(record.spaceOptions).variables, seed, randomIndex!)[randomIndex! - 1]!;
    const outDir = values.out !== undefined ? resolve(cwd, values.out as string) : randomIndex !== undefined ? join(runDir, `random-${randomIndex}`) : runDir;
    return withDataset(record, io, async (dataset) => {
      const backend = await selectBackend(io, values);
      if (budget !== undefined)
        spaceOptions = fitBudget(
          loaded,
          record,
          spaceOptions,
          budget,
          (space) => trainableParameterCount(space, best, taskOf(space, dataset)),
          (text) => values.quiet !== true && io.stderr(text),
        );
      const space = loaded.create(spaceOptions);
      const metrics = spaceMetrics(space);
      const result = await retrain({
        space,
        dataset,
        architecture: best,
        config,
        ...(metrics ? { metrics } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        onEpoch: (e) => {
          if (values.quiet !== true)
            io.stderr(`epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, lr ${e.learningRate.toExponential(2)}, ${e.seconds.toFixed(1)} s\n`);
        },
      });
      const modelDir = join(outDir, MODEL_DIR);
      try {
        result.model.setUserDefinedMetadata({ asng: modelRecord(record, spaceOptions, best) });
        await saveModelAtomically(result.model, modelDir);
        if (space.kind === 'image-to-image') await writeModelRestorations(outDir, space, dataset, result.model);
      } finally {
        result.model.dispose();
      }
      const summary = {
        architecture: best,
        source: randomIndex === undefined ? 'found' : { randomArchitecture: randomIndex, searchSeed: seed },
        spaceOptions,
        config,
        parameters: result.parameters,
        trainableParameters: result.trainableParameters,
        epochs: result.epochs,
        split: result.split,
        test: result.test,
        seconds: result.seconds,
        backend,
        runDir,
        model: modelDir,
      };
      const out = join(outDir, 'retrain.json');
      writeJsonAtomic(out, summary);
      if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
      else {
        io.stdout(
          `${randomIndex === undefined ? 'Retrained' : `Random architecture ${randomIndex} of search seed ${seed}, trained`} ${result.epochs} epoch(s): ${result.trainableParameters} trainable parameters (${result.parameters} with batch-norm statistics), ` +
            `${result.split} ${formatMetrics(result.test)} (${result.seconds.toFixed(1)} s)\nModel saved to ${modelDir}; summary in ${out}\n`,
        );
      }
      return result.epochs < (config.epochs ?? 10) ? 130 : 0;
    });
  },
};

/**
 * `--param-budget`: the space's options with its width option (the
 * `WidthOption` ability of its descriptor) set to the largest width whose
 * model has at most `budget` trainable parameters.
 */
function fitBudget(
  loaded: LoadedSpace,
  record: CliRecord,
  spaceOptions: SpaceOptions,
  budget: number,
  parameters: (space: ReturnType<LoadedSpace['create']>) => number,
  say: (text: string) => void,
): SpaceOptions {
  const width = loaded.width;
  if (width === undefined) throw new UsageError(`--param-budget: the space '${record.space}' names no width option (its descriptor has no 'width')`);
  const step = width.step ?? 1;
  const counts = new Map<number, number>();
  const count = (w: number) => {
    if (!counts.has(w)) counts.set(w, parameters(loaded.create({ ...spaceOptions, [width.option]: w })));
    return counts.get(w)!;
  };
  const chosen = largestWidthWithin({ budget, parameters: count, step, ...(width.min !== undefined ? { minWidth: width.min } : {}) });
  say(`--param-budget ${budget}: ${chosen} ${width.option}, ${counts.get(chosen)} trainable parameters (${count(chosen + step)} at ${chosen + step})\n`);
  return { ...spaceOptions, [width.option]: chosen };
}
