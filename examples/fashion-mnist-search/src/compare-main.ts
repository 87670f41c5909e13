/**
 * The issue-6 comparison from the command line: search on Fashion-MNIST, then
 * the most likely architecture and a random one retrained with the same
 * budget; accuracy and parameter counts of both, JSON last with --json.
 *
 *   npm run -s compare -w @asng/example-fashion-mnist-search -- [options] [--json]
 *
 * `--dataset fashion-mnist` reads the full dataset (the Debian package's
 * /usr/share/datasets/fashion-mnist, or --data-path); the default is the
 * embedded 6,000/1,000 subset. `--help` lists the options and their defaults.
 */
import '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selectBackend } from '@asng/backend-select';
import { optionsUsage, UsageError } from '@asng/cli';
import { datasetLoaders } from '@asng/data-cli';
import { OPTIONS, parseCompareArgs } from './compare-args.js';
import { compare } from './compare.js';

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCompareArgs>;
  try {
    args = parseCompareArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`compare: ${error.message}\n${optionsUsage(OPTIONS)}`);
    return 2;
  }
  if (args.help) {
    console.log(
      `npm run -s compare -w @asng/example-fashion-mnist-search -- [options]\n${optionsUsage(OPTIONS.map((o) => (o.default ? { ...o, description: `${o.description} (default ${o.default})` } : o)))}`,
    );
    return 0;
  }
  const root = resolve(import.meta.dirname, '../../..');
  const runDir = resolve(args.runDir ?? join(root, 'runs', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  mkdirSync(runDir, { recursive: true });
  const chosen = await selectBackend({ backend: args.backend, wasmThreads: args.threads ?? 'auto' });
  console.error(`backend: ${chosen.backend} (${chosen.reason})`);
  const loader = datasetLoaders.find((l) => l.name === args.dataset)!;
  const loadStarted = process.hrtime.bigint();
  const dataset = await loader.load({ ...(args.dataPath !== undefined ? { path: resolve(args.dataPath) } : {}), download: false });
  const loadSeconds = Number(process.hrtime.bigint() - loadStarted) / 1e9;
  console.error(
    `${dataset.info.name}: ${JSON.stringify(dataset.info.splits)} examples of ${dataset.info.shape.join('x')} (${loadSeconds.toFixed(1)} s to load)`,
  );
  try {
    const result = await compare(dataset, args.settings, runDir, (line) => console.error(line));
    const summary = { ...result, settings: args.settings, backend: chosen.backend, runDir, loadSeconds };
    const row = (name: string, r: typeof result.found) =>
      `${name.padEnd(8)} accuracy ${r.test.accuracy!.toFixed(4)}  loss ${r.test.loss!.toFixed(4)}  ${r.parameters} parameters  ${r.cells} cells of ${r.channels} channels  ${r.seconds.toFixed(0)} s`;
    console.log(
      `${result.dataset}: search ${result.search.steps} steps in ${result.search.seconds.toFixed(0)} s (${result.search.secondsPerStep.toFixed(2)} s/step); test on ${result.found.testExamples} examples\n` +
        `${row('found', result.found)}\n${row('random', result.random)}\ntotal ${result.seconds.toFixed(0)} s on ${chosen.backend}; run directory ${runDir}`,
    );
    if (args.json) console.log(JSON.stringify(summary));
    return 0;
  } finally {
    await dataset.close?.();
  }
}

process.exitCode = await main();
