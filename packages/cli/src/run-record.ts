import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '@asng/core';
import { runFiles, type RunEnvironment } from '@asng/engine';
import { readJsonFile } from './json-file.js';
import { BUILT_IN_SPACES, type SpaceOptions } from './spaces.js';

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
  /** The options the model was built with (the search's, with the `--space-option` values or the budget's width). */
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

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (value: unknown): string => JSON.stringify(value) ?? 'nothing';

/**
 * Checks a run record (`cli.json`) field by field: a run directory is data
 * that users share, and a field of the wrong type would otherwise fail far
 * from the file (or name a space `undefined`). Throws an error naming `file`,
 * the field and what was expected.
 */
export function checkRunRecord(record: unknown, file: string): CliRecord {
  if (!isPlainObject(record)) throw new Error(`${file}: expected an object (space, spaceOptions, dataset, optimizer, lambda), got ${shown(record)}`);
  const expect = (key: string, ok: (v: unknown) => boolean, what: string, optional = false) => {
    const value = record[key];
    if (optional && value === undefined) return;
    if (!ok(value)) throw new Error(`${file}: ${key}: expected ${what}, got ${shown(value)}`);
  };
  const isString = (v: unknown) => typeof v === 'string' && v !== '';
  expect('space', isString, 'the name of a built-in search space or the path of a space module');
  expect('spaceOptions', isPlainObject, 'an object of space options');
  expect('dataset', isString, "a dataset loader's name");
  expect('dataPath', isString, 'a path', true);
  expect('dataCache', (v) => typeof v === 'boolean', 'true or false', true);
  expect('optimizer', (v) => v === 'asng' || v === 'sng', "'asng' or 'sng'");
  expect('lambda', (v) => Number.isSafeInteger(v) && (v as number) >= 2, 'an integer >= 2');
  return record as unknown as CliRecord;
}

/** Reads the run record of `runDir`, naming the file when it is missing, not JSON or not a run record ({@link checkRunRecord}). */
export function readRunRecord(runDir: string): CliRecord {
  const path = recordPath(runDir);
  if (!existsSync(path)) throw new Error(`${path}: missing; was ${runDir} started with 'asng search'?`);
  return checkRunRecord(readJsonFile<unknown>(path), path);
}

/** Reads what `asng search` left in a run directory: its record and most likely architecture. */
export function readSearch(runDir: string): { record: CliRecord; best: Architecture } {
  const resultPath = runFiles(runDir).result;
  for (const path of [recordPath(runDir), resultPath]) {
    if (!existsSync(path)) throw new Error(`${path}: missing; this needs a completed 'asng search' run`);
  }
  const record = checkRunRecord(readJsonFile<unknown>(recordPath(runDir)), recordPath(runDir));
  const result = readJsonFile<unknown>(resultPath);
  const best = isPlainObject(result) ? result.best : undefined;
  if (!isPlainObject(best) || !Object.values(best).every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    throw new Error(`${resultPath}: best: expected an object of variable values (strings, numbers or booleans), got ${shown(best)}`);
  }
  return { record, best: best as Architecture };
}

/** The record a saved model carries: the run's space and dataset, with the options the model was built with. */
export function modelRecord(record: CliRecord, spaceOptions: SpaceOptions, architecture: Architecture): ModelRecord {
  return { space: record.space, spaceOptions, dataset: record.dataset, ...(record.dataPath !== undefined ? { dataPath: record.dataPath } : {}), architecture };
}

/** The packages whose code computes a search's numbers on any backend. */
const COMPUTING_PACKAGES = ['@asng/cli', '@asng/core', '@asng/engine', '@asng/optimizer-asng', '@tensorflow/tfjs-layers'];

/** The packages of each backend (by its tfjs name) whose code computes the numbers. */
const BACKEND_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  wasm: ['@tensorflow/tfjs-backend-wasm', '@asng/tfjs-wasm-training'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  tensorflow: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
};

/** The version of an installed package as seen from the CLI, `undefined` when it is not installed (or hides its package.json). */
function installedVersion(name: string): string | undefined {
  try {
    const path = createRequire(import.meta.url).resolve(`${name}/package.json`);
    const version = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the wasm backend runs the native kernels of `@asng/tfjs-wasm-training`:
 * as `setupWasmTraining` decides by default (its `native: 'auto'`), unless
 * `ASNG_NATIVE_KERNELS=0` turns them off, when they load.
 */
async function nativeKernelsOn(): Promise<boolean> {
  if (process.env.ASNG_NATIVE_KERNELS === '0') return false;
  const specifier = '@asng/tfjs-wasm-training';
  try {
    const training = (await import(/* @vite-ignore */ specifier)) as {
      loadNativeKernels(): Promise<{ status: { available: boolean } }>;
    };
    return (await training.loadNativeKernels()).status.available;
  } catch {
    return false;
  }
}

/**
 * What the CLI adds to the environment a run records (`SearchOptions.environment`,
 * beside the engine's backend, tfjs-core version and wasm thread count), for
 * `asng search` and `asng resume` alike, so that a resume elsewhere says what
 * differs: the versions of the installed packages that compute the numbers
 * (this CLI, core, engine, the optimizer, tfjs-layers, the active backend's
 * packages, a built-in `space`'s package), and on the wasm backend whether
 * the native kernels are on (`nativeKernels`). Call it once the backend is
 * selected.
 */
export async function runEnvironment(space: string): Promise<RunEnvironment> {
  const backend = tf.getBackend();
  const builtIn = BUILT_IN_SPACES.find((s) => s.name === space);
  const names = [...COMPUTING_PACKAGES, ...(BACKEND_PACKAGES[backend] ?? []), ...(builtIn !== undefined ? [builtIn.module] : [])];
  const environment: Record<string, string | boolean> = {};
  for (const name of names) {
    const version = installedVersion(name);
    if (version !== undefined) environment[name] = version;
  }
  if (backend === 'wasm') environment.nativeKernels = await nativeKernelsOn();
  return environment;
}
