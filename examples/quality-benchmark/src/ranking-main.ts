/**
 * How well does a finished search's supernet rank architectures against
 * their retrained test accuracies? See `supernet-ranking.ts`.
 *
 *   npm run -s ranking -w @asng/example-quality-benchmark -- --run DIR --results FILE[,FILE...] [--seed S] [--examples N]
 *     [--fine-tune-steps N [--fine-tune-lr X]] [--json]
 */
import '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selectBackend } from '@asng/backend-select';
import { optionsUsage, parseArgs, UsageError, type OptionSpec } from '@asng/cli';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@asng/dataset-mnist';
import type { ClassificationSettings } from './classification.js';
import { rankInSupernet, recordedArchitectures } from './supernet-ranking.js';

const OPTIONS: OptionSpec[] = [
  { name: 'run', type: 'string', placeholder: 'DIR', description: 'a classification quality run whose search finished (required)' },
  { name: 'seed', type: 'integer', min: 0, placeholder: 'S', description: 'the search seed of that run (default: its first)' },
  { name: 'results', type: 'string', placeholder: 'FILE[,FILE...]', description: 'quality.json files with retrained architectures (required)' },
  { name: 'examples', type: 'integer', min: 1, placeholder: 'N', description: 'test images each architecture is evaluated on (default 5000)' },
  {
    name: 'fine-tune-steps',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description: "fine-tune each architecture alone for N SGD steps from the supernet's weights before evaluating it (default: none)",
  },
  { name: 'fine-tune-lr', type: 'number', min: 0, placeholder: 'X', description: 'learning rate of that fine-tuning (default 0.025)' },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: `the full Fashion-MNIST IDX files (default ${DEBIAN_FASHION_MNIST_DIR})` },
  { name: 'json', type: 'boolean', description: 'print the result as one JSON object on the last line' },
  { name: 'help', type: 'boolean', description: 'this list' },
];

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs(argv, OPTIONS, 'ranking');
  if (values.help === true) {
    process.stdout.write(`npm run -s ranking -w @asng/example-quality-benchmark -- --run DIR --results FILE[,FILE...]\n\n${optionsUsage(OPTIONS)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.run === undefined || values.results === undefined) throw new UsageError('--run and --results are required');
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const runDir = resolve(cwd, String(values.run));
  const settingsPath = join(runDir, 'settings.json');
  let pinned: { task?: string; seeds?: number[]; settings?: ClassificationSettings };
  try {
    pinned = JSON.parse(readFileSync(settingsPath, 'utf8')) as typeof pinned;
  } catch (error) {
    throw new Error(`${settingsPath}: expected the settings of a quality benchmark run (${(error as Error).message})`);
  }
  if (pinned.task !== 'classification' || pinned.settings === undefined) throw new Error(`${settingsPath}: field "task": expected a classification run`);
  const seed = (values.seed as number | undefined) ?? pinned.seeds?.[0] ?? 1;
  await selectBackend({ backend: 'auto', wasmThreads: 'auto' });
  const dataset = await fashionMnist.load({ path: String(values['data-path'] ?? DEBIAN_FASHION_MNIST_DIR), download: false });
  const recorded = recordedArchitectures(
    String(values.results)
      .split(',')
      .map((f) => resolve(cwd, f.trim())),
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const steps = values['fine-tune-steps'] as number | undefined;
  const fineTune =
    steps === undefined
      ? undefined
      : { steps, learningRate: (values['fine-tune-lr'] as number | undefined) ?? 0.025, batchSize: pinned.settings.search.batchSize };
  log(`${recorded.length} architectures, supernet of ${join(runDir, `search-seed${seed}`)}`);
  const result = await rankInSupernet({
    settings: pinned.settings,
    searchDir: join(runDir, `search-seed${seed}`),
    dataset,
    recorded,
    examples: (values.examples as number | undefined) ?? 5000,
    ...(fineTune !== undefined ? { fineTune } : {}),
  });
  for (const r of result.rows) log(`${r.label}: retrained ${r.retrained.toFixed(4)}, supernet ${r.supernet.toFixed(4)}`);
  log(
    `Kendall tau ${result.kendall.toFixed(3)}, Spearman rho ${result.spearman.toFixed(3)} over ${result.rows.length} architectures (supernet after ${result.step} steps)`,
  );
  if (values.json === true) {
    const rows = result.rows.map((r) => ({ label: r.label, retrained: r.retrained, supernet: r.supernet }));
    process.stdout.write(
      `${JSON.stringify({ run: runDir, seed, step: result.step, ...(fineTune !== undefined ? { fineTune } : {}), rows, kendall: result.kendall, spearman: result.spearman })}\n`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ranking: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
