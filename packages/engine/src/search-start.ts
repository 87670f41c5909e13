import * as tf from '@tensorflow/tfjs-core';
import { resolveSearchConfig } from './search-config.js';
import { readSearchCheckpoint } from './search-checkpoint.js';
import { searchLoop } from './search-loop.js';
import type { SearchOptions, SearchResult } from './search-options.js';
import { RUN_FILES, type RunStorage } from './run-storage.js';

/** tfjs-core alone registers no gradient: say so before the first step fails obscurely. */
function checkGradientsRegistered(): void {
  if (tf.getGradient(tf.Add) === undefined) {
    throw new Error(
      "no gradients are registered in TensorFlow.js: import '@tensorflow/tfjs' (or '@tensorflow/tfjs-node') in Node, or '@tensorflow/tfjs-core/dist/register_all_gradients' with a bundler, before searching",
    );
  }
}

/** `runSearch` in `storage`: refuses a storage that already holds a search. */
export async function startSearch(options: SearchOptions, storage: RunStorage): Promise<SearchResult> {
  checkGradientsRegistered();
  if (await storage.has(RUN_FILES.checkpoint)) {
    throw new Error(`${storage.pathOf(RUN_FILES.checkpoint)}: the run directory already holds a search; resume it, or choose another directory`);
  }
  return searchLoop(options, storage, resolveSearchConfig(options.config), undefined);
}

/** `resumeSearch` from `storage`: reads and checks its checkpoint, then continues. */
export async function continueSearch(options: Omit<SearchOptions, 'config'>, storage: RunStorage): Promise<SearchResult> {
  checkGradientsRegistered();
  const path = storage.pathOf(RUN_FILES.checkpoint);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await storage.read(RUN_FILES.checkpoint);
  } catch (error) {
    throw new Error(`${path}: cannot read the checkpoint (${(error as Error).message})`, { cause: error });
  }
  if (bytes === undefined) throw new Error(`${path}: cannot read the checkpoint (there is none: no search was saved in ${storage.location})`);
  const saved = readSearchCheckpoint(bytes, path, options.space);
  // Resolved again: a checkpoint from an earlier version lacks the newer fields (their defaults reproduce its behaviour).
  return searchLoop(options, storage, resolveSearchConfig(saved.header.config), saved);
}
