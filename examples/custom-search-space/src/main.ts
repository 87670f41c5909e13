/**
 * The custom-space example, run: searches the small CNN space of
 * `small-cnn-space.ts` with the engine on the orientation problem of
 * `orientation-dataset.ts` (horizontal against vertical bars: a 1x1 kernel or
 * a linear network cannot separate them), prints the most likely
 * architecture and its held-out accuracy, and says whether the search found
 * the known answer (a 3x3 or 5x5 kernel and a non-linearity).
 *
 *   npm run -s start -w @asng/example-custom-search-space -- [--json] [--run-dir DIR]
 */
// The umbrella package registers the cpu backend and every gradient (tfjs-core's own
// gradient module cannot be imported as ESM in Node).
import '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runSearch } from '@asng/engine';
import { orientationDataset } from './orientation-dataset.js';
import { createSmallCnnSpace } from './small-cnn-space.js';

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const at = argv.indexOf('--run-dir');
  if (argv.some((a, i) => a !== '--json' && a !== '--run-dir' && argv[i - 1] !== '--run-dir') || (at >= 0 && argv[at + 1] === undefined)) {
    process.stderr.write('usage: npm run -s start -w @asng/example-custom-search-space -- [--json] [--run-dir DIR]\n');
    return 2;
  }
  const kept = at >= 0 ? resolve(process.env.INIT_CWD ?? process.cwd(), argv[at + 1]!) : undefined;
  const runDir = kept ?? mkdtempSync(join(tmpdir(), 'asng-custom-space-'));
  await tf.setBackend('cpu');
  const started = Date.now();
  try {
    const result = await runSearch({
      space: createSmallCnnSpace({ maxDepth: 1, channels: [4, 8] }),
      dataset: orientationDataset(),
      runDir,
      config: { seed: 3, batchSize: 16, epochs: 40, learningRate: 0.1, weightDecay: 0, evaluationBatches: 8 },
    });
    const found = result.best.kernel0 !== 1 && result.best.activation !== 'linear';
    const summary = { best: result.best, accuracy: result.metrics.accuracy ?? Number.NaN, foundKnownAnswer: found, seconds: (Date.now() - started) / 1000 };
    process.stdout.write(
      `most likely architecture: ${JSON.stringify(result.best)}\nheld-out accuracy ${summary.accuracy.toFixed(3)}; ${found ? 'the known answer (a 3x3 or 5x5 kernel and a non-linearity)' : 'NOT the known answer'}; ${summary.seconds.toFixed(1)} s${kept ? `; run directory ${kept}` : ''}\n`,
    );
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return found ? 0 : 1;
  } finally {
    if (kept === undefined) rmSync(runDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
