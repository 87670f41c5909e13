/**
 * Do zero-cost proxies rank this space's architectures? Scores every
 * classification architecture whose retrained test accuracy quality.json
 * files recorded, untrained, at the width it was retrained at (the files'
 * parameter budget), with NASWOT and the gradient norm (`zero-cost-proxies.ts`),
 * each the mean over several initialisations, and gives their rank
 * correlations with the retrained accuracies (and the width's).
 *
 *   npm run -s proxies -w @asng/example-quality-benchmark -- --results FILE[,FILE...] [--images N] [--inits K] [--json]
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { selectBackend } from '@asng/backend-select';
import { optionsUsage, parseArgs, UsageError, type OptionSpec } from '@asng/cli';
import { Rng, taskFor } from '@asng/core';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@asng/dataset-mnist';
import { createImageClassificationSpace } from '@asng/space-image-classification';
import { retrainWidth, type ClassificationSettings } from './classification.js';
import { kendallTau, recordedArchitectures, spearmanRho } from './supernet-ranking.js';
import { gradientNorm, naswotScore } from './zero-cost-proxies.js';

const OPTIONS: OptionSpec[] = [
  { name: 'results', type: 'string', placeholder: 'FILE[,FILE...]', description: 'classification quality.json files of one retraining recipe (required)' },
  { name: 'images', type: 'integer', min: 2, placeholder: 'N', description: 'training images per score (default 64)' },
  { name: 'inits', type: 'integer', min: 1, placeholder: 'K', description: 'initialisations (and batches) each score is the mean of (default 3)' },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: `the full Fashion-MNIST IDX files (default ${DEBIAN_FASHION_MNIST_DIR})` },
  { name: 'json', type: 'boolean', description: 'print the result as one JSON object on the last line' },
  { name: 'help', type: 'boolean', description: 'this list' },
];

/** The retraining's cells and parameter budget, the same in every file. */
function retrainRecipe(files: readonly string[]): { cells: number; parameterBudget: number } {
  let recipe: { cells: number; parameterBudget: number } | undefined;
  for (const file of files) {
    const settings = (JSON.parse(readFileSync(file, 'utf8')) as { settings?: Partial<ClassificationSettings> }).settings;
    const r = settings?.retrain;
    if (r === undefined || !Number.isInteger(r.cells) || !Number.isInteger(r.parameterBudget))
      throw new Error(`${file}: field "settings.retrain": expected integers cells and parameterBudget, got ${JSON.stringify(r ?? null)}`);
    if (recipe !== undefined && (recipe.cells !== r.cells || recipe.parameterBudget !== r.parameterBudget))
      throw new Error(
        `${file}: field "settings.retrain": ${r.cells} cells at ${r.parameterBudget} parameters, where ${files[0]} has ${recipe.cells} at ${recipe.parameterBudget}`,
      );
    recipe = { cells: r.cells, parameterBudget: r.parameterBudget };
  }
  return recipe!;
}

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs(argv, OPTIONS, 'proxies');
  if (values.help === true) {
    process.stdout.write(`npm run -s proxies -w @asng/example-quality-benchmark -- --results FILE[,FILE...]\n\n${optionsUsage(OPTIONS)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.results === undefined) throw new UsageError('--results is required');
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const files = String(values.results)
    .split(',')
    .map((f) => resolve(cwd, f.trim()));
  const recorded = recordedArchitectures(files);
  const { cells, parameterBudget } = retrainRecipe(files);
  const images = (values.images as number | undefined) ?? 64;
  const inits = (values.inits as number | undefined) ?? 3;
  await selectBackend({ backend: 'auto', wasmThreads: 'auto' });
  const dataset = await fashionMnist.load({ path: String(values['data-path'] ?? DEBIAN_FASHION_MNIST_DIR), download: false });
  const train = dataset.split('train');
  const task = taskFor(createImageClassificationSpace({ cells }), dataset.info);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `${recorded.length} architectures, each at its width within ${parameterBudget} parameters (${cells} cells), ${inits} initialisations of ${images} images`,
  );
  const rows: { label: string; retrained: number; channels: number; naswot: number; gradientNorm: number }[] = [];
  for (const r of recorded) {
    const channels = retrainWidth(cells, parameterBudget, r.architecture, task);
    const space = createImageClassificationSpace({ cells, channels });
    const naswot: number[] = [];
    const gradient: number[] = [];
    for (let init = 0; init < inits; init++) {
      // The same images and initialisation seeds for every architecture.
      const rng = new Rng(1000 + init);
      const indices = Array.from({ length: images }, () => rng.int(train.size));
      const examples = await train.read(indices);
      const pixels = tf.tensor4d(examples.images, [images, ...examples.shape], 'int32');
      const labels = tf.tensor1d(examples.labels!, 'int32');
      const batch = space.toBatch(pixels, labels, task, rng.fork());
      const model = space.buildModel(r.architecture, task, rng.fork());
      try {
        naswot.push(naswotScore(model, batch.inputs as tf.Tensor4D));
        gradient.push(gradientNorm(model, batch.inputs as tf.Tensor4D, batch.targets as tf.Tensor2D));
      } finally {
        model.dispose();
        tf.dispose([pixels, labels, batch.inputs, batch.targets]);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const row = { label: r.label, retrained: r.retrained, channels, naswot: mean(naswot), gradientNorm: mean(gradient) };
    log(`${r.label}: retrained ${r.retrained.toFixed(4)}, ${channels} channels, NASWOT ${row.naswot.toFixed(1)}, gradient norm ${row.gradientNorm.toFixed(3)}`);
    rows.push(row);
  }
  const retrained = rows.map((r) => r.retrained);
  const correlations = Object.fromEntries(
    (['naswot', 'gradientNorm', 'channels'] as const).map((key) => {
      const scores = rows.map((r) => r[key]);
      return [key, { kendall: kendallTau(scores, retrained), spearman: spearmanRho(scores, retrained) }];
    }),
  );
  for (const [key, c] of Object.entries(correlations))
    log(`${key}: Kendall tau ${c.kendall.toFixed(3)}, Spearman rho ${c.spearman.toFixed(3)} over ${rows.length} architectures`);
  await dataset.close?.();
  if (values.json === true) process.stdout.write(`${JSON.stringify({ images, inits, cells, parameterBudget, correlations, rows })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`proxies: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
