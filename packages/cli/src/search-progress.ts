import type { Dataset, SearchSpace } from '@asng/core';
import type { OptimizerFactory, SearchOptions, SearchResult } from '@asng/engine';
import { createAsng, createSng } from '@asng/optimizer-asng';
import type { CliIo } from './cli-io.js';
import { ProgressBar } from './progress.js';
import { afterSearch } from './restorations.js';
import type { CliRecord } from './run-record.js';

/** The architecture optimizer of a run record. */
export function optimizerFactory(record: CliRecord): OptimizerFactory {
  return (variables, rng) =>
    record.optimizer === 'sng' ? createSng({ variables, rng, lambda: record.lambda }) : createAsng({ variables, rng, lambda: record.lambda });
}

/** What {@link followSearch} runs and reports. */
export interface FollowedSearch {
  readonly io: CliIo;
  readonly values: Readonly<Record<string, unknown>>;
  readonly runDir: string;
  readonly space: SearchSpace;
  readonly dataset: Dataset;
  readonly backend: string;
  /** Starts the search (new or resumed) with the callbacks given. */
  readonly start: (callbacks: Pick<SearchOptions, 'onStep' | 'signal'>) => Promise<SearchResult>;
}

/**
 * Runs a search (new or resumed) with a progress bar on stderr, writes the
 * sample restorations of an image-to-image space when it completes, then
 * prints its result; returns the exit code (130 when stopped by Ctrl-C).
 */
export async function followSearch(search: FollowedSearch): Promise<number> {
  const { io, values, runDir } = search;
  const quiet = values.quiet === true;
  let bar: ProgressBar | undefined;
  const result = await search
    .start({
      ...(io.signal ? { signal: io.signal } : {}),
      onStep: (e) => {
        if (quiet) return;
        bar ??= new ProgressBar(io.stderr, e.totalSteps, io.tty ?? false, e.step - 1);
        const conv = e.optimizer.convergence;
        bar.update(
          e.step,
          `loss ${e.trainLoss.toFixed(3)} | conv ${conv !== undefined ? conv.toFixed(3) : '-'} | lr ${e.learningRate.toExponential(1)} | ${e.imagesPerSecond.toFixed(0)} img/s`,
        );
      },
    })
    .then((r) => afterSearch(r, runDir, search.space, search.dataset));
  const summary = {
    status: result.status,
    steps: result.steps,
    totalSteps: result.totalSteps,
    best: result.best,
    metrics: result.metrics,
    seconds: result.seconds,
    backend: search.backend,
    runDir,
  };
  if (values.json === true) {
    io.stdout(`${JSON.stringify(summary)}\n`);
  } else {
    io.stdout(
      `${result.status === 'completed' ? 'Search completed' : `Search stopped after step ${result.steps}; continue with: asng resume ${runDir}`} (${result.seconds.toFixed(1)} s)\n` +
        `Most likely architecture:\n${Object.entries(result.best)
          .map(([k, v]) => `  ${k} = ${String(v)}`)
          .join('\n')}\n${result.description.text}\n` +
        (Object.keys(result.metrics).length ? `Held-out metrics: ${JSON.stringify(result.metrics)}\n` : '') +
        `Report: asng report ${runDir}\n`,
    );
  }
  return result.status === 'stopped' ? 130 : 0;
}
