import { join, resolve } from 'node:path';
import type { SplitName } from '@asng/core';
import { evaluateModel } from '@asng/engine';
import { UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { openSavedModel } from '../saved-model.js';
import { datasetNames, selectBackend, spaceMetrics, withDataset, workingDirectory } from '../setup.js';
import { loadRecordedSpace, RECORDED_SPACE_OPTION } from '../spaces.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'split', type: 'string', values: ['test', 'train'], description: 'the split evaluated (default test, or train when the dataset has no test split)' },
  { name: 'batch-size', type: 'integer', min: 1, max: 65536, placeholder: 'N', description: 'batch size (default 64)' },
  { name: 'max-examples', type: 'integer', min: 1, placeholder: 'N', description: 'evaluate only the first N examples' },
  { name: 'dataset', type: 'string', values: datasetNames(), description: "dataset (default: the run's)" },
  {
    name: 'data-path',
    type: 'string',
    placeholder: 'DIR',
    description: "directory (or archive) with the dataset's files (default: the run's, for a run directory; a model directory names no path that is used)",
  },
  RECORDED_SPACE_OPTION,
  ...COMMON_OPTIONS,
];

/** Metrics on one line: `accuracy 0.8612, loss 0.4120`. */
export const formatMetrics = (metrics: Readonly<Record<string, number>>): string =>
  Object.entries(metrics)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');

/** `asng evaluate RUN_DIR|MODEL_DIR`: the saved model's metrics on a split, the space's own metrics if it has them. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'test the retrained model',
  synopsis: 'RUN_DIR|MODEL_DIR [--split test|train]',
  options: OPTIONS,
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng evaluate' takes one run or model directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const path = resolve(cwd, positionals[0]!);
    const backend = await selectBackend(io, values);
    const { model, record, modelDir } = await openSavedModel(path);
    try {
      const dataset = (values.dataset as string | undefined) ?? record.dataset;
      // A path recorded in a model directory is not used: it is a file from elsewhere, and a path of another machine.
      const inRunDir = modelDir !== path;
      const dataPath =
        values['data-path'] !== undefined
          ? resolve(cwd, values['data-path'] as string)
          : values.dataset === undefined && inRunDir
            ? record.dataPath
            : undefined;
      const space = (await loadRecordedSpace(record.space, join(modelDir, 'model.json'), values.space as string | undefined, cwd)).create(record.spaceOptions);
      return await withDataset({ dataset, ...(dataPath !== undefined ? { dataPath } : {}) }, io, async (opened) => {
        const split = values.split as SplitName | undefined;
        if (split !== undefined && !(opened.info.splits[split]! > 0)) throw new UsageError(`--split: dataset '${opened.info.name}' has no '${split}' split`);
        const started = process.hrtime.bigint();
        const metrics = spaceMetrics(space);
        const evaluation = await evaluateModel({
          space,
          dataset: opened,
          model,
          ...(split !== undefined ? { split } : {}),
          ...(values['batch-size'] !== undefined ? { batchSize: values['batch-size'] as number } : {}),
          ...(values['max-examples'] !== undefined ? { maxExamples: values['max-examples'] as number } : {}),
          ...(metrics ? { metrics } : {}),
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const summary = { model: modelDir, dataset: opened.info.name, ...evaluation, seconds, backend };
        if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
        else
          io.stdout(
            `${opened.info.name} ${evaluation.split} (${evaluation.examples} examples): ${formatMetrics(evaluation.metrics)} (${seconds.toFixed(1)} s)\n`,
          );
        return 0;
      });
    } finally {
      model.dispose();
    }
  },
};
