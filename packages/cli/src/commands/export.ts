import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Rng, type Architecture } from '@asng/core';
import { saveModelAtomically } from '@asng/engine';
import { UsageError } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { MODEL_DIR, modelRecord, readSearch, recordPath } from '../run-record.js';
import { openSavedModel } from '../saved-model.js';
import { selectBackend, taskOf, withDataset, workingDirectory } from '../setup.js';
import { loadRecordedSpace, RECORDED_SPACE_OPTION } from '../spaces.js';

/** `asng export RUN_DIR --out DIR`: the most likely architecture as a standalone tfjs LayersModel, with the retrained weights if any. */
export const exportCommand: Command = {
  name: 'export',
  summary: "the found architecture's model (retrained weights if any) as a tfjs LayersModel",
  synopsis: 'RUN_DIR --out DIR',
  options: [
    { name: 'out', type: 'string', placeholder: 'DIR', description: 'directory of the exported model: model.json and weights.bin (required)' },
    { name: 'seed', type: 'integer', placeholder: 'N', description: 'seed of the initial weights when the run has no retrained model (default 0)' },
    RECORDED_SPACE_OPTION,
    ...COMMON_OPTIONS,
  ],
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng export' takes one run directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, positionals[0]!);
    if (values.out === undefined) throw new UsageError('--out is required');
    const out = resolve(cwd, values.out as string);
    const backend = await selectBackend(io, values);
    let model: LayersModel;
    let weights: 'retrained' | 'initial';
    let architecture: Architecture;
    if (existsSync(join(runDir, MODEL_DIR, 'model.json'))) {
      const saved = await openSavedModel(runDir);
      ({ model } = saved);
      architecture = saved.record.architecture;
      weights = 'retrained';
    } else {
      const { record, best } = readSearch(runDir);
      const space = (await loadRecordedSpace(record.space, recordPath(runDir), values.space as string | undefined, cwd)).create(record.spaceOptions);
      model = await withDataset(record, io, async (dataset) =>
        space.buildModel(best, taskOf(space, dataset), new Rng((values.seed as number | undefined) ?? 0)),
      );
      model.setUserDefinedMetadata({ asng: modelRecord(record, record.spaceOptions, best) });
      architecture = best;
      weights = 'initial';
      if (values.quiet !== true)
        io.stderr(`${runDir} has no retrained model: exporting the architecture with initial weights (run 'asng retrain ${runDir}' first for trained ones)\n`);
    }
    try {
      await saveModelAtomically(model, out);
      const trainable = model.trainableWeights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
      const summary = { out, weights, parameters: model.countParams(), trainableParameters: trainable, architecture, backend };
      if (values.json === true) io.stdout(`${JSON.stringify(summary)}\n`);
      else
        io.stdout(
          `Exported the ${weights === 'retrained' ? 'retrained' : 'untrained'} model (${trainable} trainable parameters) to ${out}: load it with tf.loadLayersModel('file://${join(out, 'model.json')}')\n`,
        );
      return 0;
    } finally {
      model.dispose();
    }
  },
};
