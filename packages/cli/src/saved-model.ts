import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { fileSystemIO } from '@asng/engine';
import { MODEL_DIR, type ModelRecord } from './run-record.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks the `asng` record a model file carries (`userDefinedMetadata.asng`)
 * field by field: a model directory is data from anywhere, and a field of
 * the wrong type would otherwise fail far from the file. Throws an error
 * naming `file`, the field and what was expected.
 */
export function checkModelRecord(record: unknown, file: string): ModelRecord {
  const field = 'userDefinedMetadata.asng';
  if (!isPlainObject(record))
    throw new Error(`${file}: ${field}: expected an object (space, spaceOptions, dataset, architecture), got ${JSON.stringify(record)}`);
  const expect = (key: string, ok: (v: unknown) => boolean, what: string, optional = false) => {
    const value = record[key];
    if (optional && value === undefined) return;
    if (!ok(value)) throw new Error(`${file}: ${field}.${key}: expected ${what}, got ${JSON.stringify(value) ?? 'nothing'}`);
  };
  const isString = (v: unknown) => typeof v === 'string' && v !== '';
  expect('space', isString, 'the name of a search space');
  expect('spaceOptions', isPlainObject, 'an object of space options');
  expect('dataset', isString, "a dataset loader's name");
  expect('dataPath', isString, 'a path', true);
  expect(
    'architecture',
    (v) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean'),
    'an object of variable values (strings, numbers or booleans)',
  );
  return record as unknown as ModelRecord;
}

/**
 * Loads a saved model and the record beside it: from a run directory (its
 * `model/`) or a model directory. The weight files are read only from inside
 * the model directory (see `fileSystemIO`); the record is checked with
 * {@link checkModelRecord}. Its space is a name, to be loaded with
 * `loadRecordedSpace`: nothing here imports code.
 */
export async function openSavedModel(path: string): Promise<{ model: LayersModel; record: ModelRecord; modelDir: string }> {
  const modelDir = existsSync(join(path, 'model.json')) ? path : join(path, MODEL_DIR);
  const file = join(modelDir, 'model.json');
  if (!existsSync(file)) {
    if (existsSync(join(path, 'cli.json'))) throw new Error(`${path}: no retrained model (${file} is missing); run 'asng retrain ${path}' first`);
    throw new Error(`${path}: neither a run directory with a retrained model nor a model directory (no model.json)`);
  }
  let model: LayersModel;
  try {
    model = await loadLayersModel(fileSystemIO(modelDir));
  } catch (error) {
    const message = (error as Error).message;
    // fileSystemIO names the file in its own errors; tfjs building the layers does not.
    if (message.includes(file)) throw error;
    throw new Error(`${file}: modelTopology: expected a tfjs layers model this version can build (${message})`, { cause: error });
  }
  try {
    const metadata = model.getUserDefinedMetadata() as { asng?: unknown } | undefined;
    if (metadata?.asng === undefined) {
      throw new Error(`${file}: no 'asng' record in userDefinedMetadata (space, dataset); was it saved by 'asng retrain' or 'asng export'?`);
    }
    return { model, record: checkModelRecord(metadata.asng, file), modelDir };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
