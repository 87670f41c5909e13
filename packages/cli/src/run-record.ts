import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '@asng/core';
import { runFiles } from '@asng/engine';
import { readJsonFile } from './json-file.js';
import type { SpaceOptions } from './spaces.js';

/** What `asng search` saves in `cli.json` to rebuild its parts on resume (the format of every run so far). */
export interface CliRecord {
  /** A built-in space's name, or the path of a space module. */
  readonly space: string;
  /** The `--space-option` values as given (numbers and booleans converted), checked against the space's schema when it is created. */
  readonly spaceOptions: SpaceOptions;
  /** The dataset loader's name. */
  readonly dataset: string;
  /** The dataset's files (`--data-path`), absolute. */
  readonly dataPath?: string;
  /** Whether image-file datasets keep their decoded images in the disk cache (`--data-cache`). */
  readonly dataCache?: boolean;
  /** The architecture optimizer. */
  readonly optimizer: 'asng' | 'sng';
  /** Architectures per update. */
  readonly lambda: number;
}

/** What a saved model says about itself, in `model.json`'s `userDefinedMetadata.asng`. */
export interface ModelRecord {
  /** The run's space, as in its {@link CliRecord}. */
  readonly space: string;
  /** The options the model was built with (the search's, with `--cells`, `--channels` or the budget's width). */
  readonly spaceOptions: SpaceOptions;
  /** The run's dataset. */
  readonly dataset: string;
  /** The run's dataset files. */
  readonly dataPath?: string;
  /** The architecture the model is. */
  readonly architecture: Architecture;
}

/** The directory of a run that holds its retrained model. */
export const MODEL_DIR = 'model';

/** The run record's file in a run directory. */
export const recordPath = (runDir: string): string => join(runDir, 'cli.json');

/** Reads the run record of `runDir`, naming the file when it is missing or not JSON. */
export function readRunRecord(runDir: string): CliRecord {
  const path = recordPath(runDir);
  if (!existsSync(path)) throw new Error(`${path}: missing; was ${runDir} started with 'asng search'?`);
  return readJsonFile<CliRecord>(path);
}

/** Reads what `asng search` left in a run directory: its record and most likely architecture. */
export function readSearch(runDir: string): { record: CliRecord; best: Architecture } {
  const resultPath = runFiles(runDir).result;
  for (const path of [recordPath(runDir), resultPath]) {
    if (!existsSync(path)) throw new Error(`${path}: missing; this needs a completed 'asng search' run`);
  }
  const record = readJsonFile<CliRecord>(recordPath(runDir));
  const { best } = readJsonFile<{ best: Architecture }>(resultPath);
  return { record, best };
}

/** The record a saved model carries: the run's space and dataset, with the options the model was built with. */
export function modelRecord(record: CliRecord, spaceOptions: SpaceOptions, architecture: Architecture): ModelRecord {
  return { space: record.space, spaceOptions, dataset: record.dataset, ...(record.dataPath !== undefined ? { dataPath: record.dataPath } : {}), architecture };
}
