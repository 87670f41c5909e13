import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { fileSystemIO } from '@asng/engine';
import { MODEL_DIR, type ModelRecord } from './run-record.js';

/** Loads a saved model and the record beside it: from a run directory (its `model/`) or a model directory. */
export async function openSavedModel(path: string): Promise<{ model: LayersModel; record: ModelRecord; modelDir: string }> {
  const modelDir = existsSync(join(path, 'model.json')) ? path : join(path, MODEL_DIR);
  if (!existsSync(join(modelDir, 'model.json'))) {
    if (existsSync(join(path, 'cli.json')))
      throw new Error(`${path}: no retrained model (${join(modelDir, 'model.json')} is missing); run 'asng retrain ${path}' first`);
    throw new Error(`${path}: neither a run directory with a retrained model nor a model directory (no model.json)`);
  }
  const model = await loadLayersModel(fileSystemIO(modelDir));
  const record = (model.getUserDefinedMetadata() as { asng?: ModelRecord } | undefined)?.asng;
  if (record === undefined) {
    model.dispose();
    throw new Error(
      `${join(modelDir, 'model.json')}: no 'asng' record in userDefinedMetadata (space, dataset); was it saved by 'asng retrain' or 'asng export'?`,
    );
  }
  return { model, record, modelDir };
}
