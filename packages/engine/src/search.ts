import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { runFiles } from './run-directory.js';
import { resolveSearchConfig } from './search-config.js';
import { readSearchCheckpoint } from './search-checkpoint.js';
import { searchLoop } from './search-loop.js';
import type { SearchOptions, SearchResult } from './search-options.js';

/** tfjs-core alone registers no gradient: say so before the first step fails obscurely. */
function checkGradientsRegistered(): void {
  if (tf.getGradient(tf.Add) === undefined) {
    throw new Error(
      "no gradients are registered in TensorFlow.js: import '@tensorflow/tfjs' (or '@tensorflow/tfjs-node') in Node, or '@tensorflow/tfjs-core/dist/register_all_gradients' with a bundler, before searching",
    );
  }
}

/**
 * Runs a one-shot architecture search, as in the paper. Each step draws
 * `lambda` architectures and takes one SGD step on a training batch on their
 * mean loss (momentum, weight decay, gradient clipping, cosine schedule);
 * then `lambda` architectures are evaluated on a validation batch (the held
 * out part of the training split) and their losses are told to the
 * optimizer. Writes a JSONL log, atomic checkpoints, and at the end the most
 * likely architecture with its description.
 *
 * If `runDir` holds a checkpoint, use {@link resumeSearch} instead; this
 * function refuses to overwrite it.
 */
export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  checkGradientsRegistered();
  const files = runFiles(options.runDir);
  if (existsSync(files.checkpoint)) {
    throw new Error(`${files.checkpoint}: the run directory already holds a search; resume it, or choose another directory`);
  }
  return searchLoop(options, resolveSearchConfig(options.config), undefined);
}

/**
 * Continues the search saved in `runDir` exactly where its last checkpoint
 * left it: the numbers that follow are those an uninterrupted run would have
 * produced. The settings are the saved ones.
 *
 * Before anything runs it removes the temporary files of killed writes from
 * `runDir`, and refuses, with an error naming the checkpoint and what is
 * wrong: a damaged checkpoint (checksums of its header and arrays), other
 * training data than the run's (its fingerprint), and another environment
 * (backend, versions, `environment`; an `EnvironmentChangeError`) unless
 * `acceptEnvironmentChange` is set. A checkpoint written before these
 * records existed resumes with `onWarning` saying what it could not check.
 */
export async function resumeSearch(options: Omit<SearchOptions, 'config'>): Promise<SearchResult> {
  checkGradientsRegistered();
  const files = runFiles(options.runDir);
  const saved = readSearchCheckpoint(files.checkpoint, options.space);
  // Resolved again: a checkpoint from an earlier version lacks the newer fields (their defaults reproduce its behaviour).
  return searchLoop(options, resolveSearchConfig(saved.header.config), saved);
}
