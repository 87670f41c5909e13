/**
 * The quality benchmark: does the search find architectures better than
 * random ones of its space?
 *
 *   npm run -s bench:quality -- --task classification|inpainting [--budget smoke|standard|best]
 *     [--search-seeds N] [--seed S] [--random K] [--run-dir DIR] [--json]
 *     [--search-steps N] [--warmup-steps N] [--initial-delta X] [--lambda N] [--parameter-penalty X] [--hole-weight X]
 *     [--selection-hole-weight X] [--reuse-random DIR|FILE]
 *     [--retrain-widths searched|uniform] [--retrain-epochs N] [--kernel-sizes LIST]
 *     [--finalists K [--finalist-draw likeliest|drawn] [--finalist-examples N] [--finalist-hold-out N] [--retrain-finalists]]
 *
 * For each search seed: a search at the budget, then its most likely
 * architecture and K uniformly random architectures of the same space, each
 * retrained from scratch at the same parameter budget with the same recipe,
 * and tested on the whole test split. Prints a table, writes `quality.html`
 * and `quality.json` in the run directory, and with `--json` prints the JSON
 * as the last line. The run directory is named after the task, budget and
 * seeds, so running the same command again resumes a stopped run.
 *
 * `--search-steps N`, `--warmup-steps N`, `--initial-delta X`, `--lambda N` and `--parameter-penalty X` run a
 * variant of the budget's search (`--warmup-steps 0 --initial-delta 1
 * --parameter-penalty 0` is the paper's method);
 * `--reuse-random DIR|FILE` takes the
 * random architectures' retrainings from a run (or its quality.json) of the same budget, so that a
 * variant is compared with the very same random networks without training
 * them again.
 */
import '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { selectBackend } from '@asng/backend-select';
import { optionsUsage, parseArgs, UsageError, type OptionSpec } from '@asng/cli';
import type { Dataset } from '@asng/core';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@asng/dataset-mnist';
import { writeFileAtomic, writeJsonAtomic } from '@asng/engine';
import { CLASSIFICATION_BUDGETS, runClassificationQuality, type ClassificationQuality, type ClassificationSettings } from './classification.js';
import { qualityPage } from './html.js';
import {
  INPAINTING_BUDGETS,
  inpaintingGridsHtml,
  inpaintingTables,
  RETRAIN_WIDTHS,
  runInpaintingQuality,
  type InpaintingQuality,
  type InpaintingSettings,
  type RetrainWidths,
} from './inpainting.js';
import { BUDGETS, FINALIST_DRAWS, TASKS, pinSettings, reusablePieceDir, stats, type Budget, type Task } from './protocol.js';

const OPTIONS: (OptionSpec & { readonly default?: string })[] = [
  { name: 'task', type: 'string', values: [...TASKS], description: 'what to benchmark (required)' },
  {
    name: 'budget',
    type: 'string',
    values: [...BUDGETS],
    default: 'standard',
    description: 'smoke (CI, minutes), standard (found against K random, under 2 h per seed), best (found only, under 2 h)',
  },
  { name: 'search-seeds', type: 'integer', min: 1, placeholder: 'N', default: '1', description: 'number of searches' },
  { name: 'seed', type: 'integer', min: 0, placeholder: 'S', default: '1', description: 'the first search seed; the others follow it' },
  { name: 'random', type: 'integer', min: 0, placeholder: 'K', default: '5', description: 'random architectures per search seed (none at the best budget)' },
  {
    name: 'retrain-seeds',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    default: '1',
    description: 'retrain every network N times from scratch, with seeds S, S+1000, ...; its figure is the mean (a run given more reuses the first)',
  },
  {
    name: 'masks',
    type: 'string',
    placeholder: 'LIST',
    description: 'a subset of the inpainting masks, comma-separated (default: center,random-pixel,random-half)',
  },
  {
    name: 'kernel-sizes',
    type: 'string',
    placeholder: 'LIST',
    description: "a variant of the space (inpainting): its convolutions' kernel sizes, comma-separated odd integers (the paper: 1,3,5)",
  },
  {
    name: 'search-steps',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description: "a variant of the budget: this many steps in each search, warm-up included (default: the budget's)",
  },
  {
    name: 'warmup-steps',
    type: 'integer',
    min: 0,
    placeholder: 'N',
    description: "a variant of the budget: this many warm-up steps in each search (0: the paper's method, no warm-up)",
  },
  {
    name: 'initial-delta',
    type: 'number',
    placeholder: 'X',
    description: "a variant of the classification budget: ASNG's initial trust region delta (the paper's 1)",
  },
  {
    name: 'lambda',
    type: 'integer',
    min: 2,
    placeholder: 'N',
    description: "a variant of the budget: ASNG's population, architectures drawn per weight step and per distribution step (the paper's 2)",
  },
  {
    name: 'parameter-penalty',
    type: 'number',
    min: 0,
    placeholder: 'X',
    description: 'a variant of the budget: the search ranks loss x parameters^X (the paper: 0, the loss alone)',
  },
  {
    name: 'hole-weight',
    type: 'number',
    min: 0,
    placeholder: 'X',
    description:
      "a variant of the budget (inpainting): the supernet's loss counts each dropped pixel 1+X times, each kept one once (the paper: 0, the whole image alike)",
  },
  {
    name: 'retrain-epochs',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description: "a variant of the budget: every network's retraining this many epochs (default: the budget's); the random networks are retrained too",
  },
  {
    name: 'selection-hole-weight',
    type: 'number',
    min: 0,
    placeholder: 'X',
    description:
      'a variant of the budget (inpainting): the hole weight of the loss the distribution step ranks architectures by, the weights training on --hole-weight (default: the same)',
  },
  {
    name: 'finalists',
    type: 'integer',
    min: 1,
    placeholder: 'K',
    description:
      "a selection after the search: the final distribution's K likeliest networks each trained from scratch and scored on held-out training images; the best is the found one (the paper: the most likely)",
  },
  {
    name: 'retrain-widths',
    type: 'string',
    values: [...RETRAIN_WIDTHS],
    description:
      "inpainting: the channels of the searched and random networks before scaling to the budget: the architecture's proportions (default) or every node alike, as the hand-written network",
  },
  {
    name: 'finalist-draw',
    type: 'string',
    values: [...FINALIST_DRAWS],
    description:
      'with --finalists: the K likeliest networks (default; near copies of the mode where the distribution is flat), or the mode and K-1 different networks drawn from the final distribution',
  },
  {
    name: 'retrain-finalists',
    type: 'boolean',
    description:
      "with --finalists: also retrain and test every finalist as the found network is, and report how well the selection's held-out scores rank them (a measurement; classification)",
  },
  {
    name: 'finalist-examples',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description: "with --finalists: training images of each finalist (default: the retraining's, less the held-out ones)",
  },
  {
    name: 'finalist-hold-out',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description: 'with --finalists: the last N images of the training split score the finalists (default: 10,000, at most a fifth)',
  },
  {
    name: 'freeze-weights',
    type: 'boolean',
    description: 'a variant of the budget: after the warm-up the distribution learns on the supernet the warm-up trained (weights frozen)',
  },
  {
    name: 'budget-width',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    description:
      'a variant of the budget: a budget-width search, the supernet running each architecture as wide as fits N parameters (needs --search-channels)',
  },
  {
    name: 'search-channels',
    type: 'integer',
    min: 1,
    placeholder: 'C',
    description:
      "a variant of the budget: the supernet's width (inpainting: its supernetChannels, at least the largest channel count; with --budget-width: the widest any architecture runs)",
  },
  {
    name: 'reuse-random',
    type: 'string',
    placeholder: 'DIR|FILE',
    description:
      "take the random (and hand-written) networks' retrainings from this run directory, or its quality.json (results/*.json), of the same budget (for comparing search variants)",
  },
  {
    name: 'data-path',
    type: 'string',
    placeholder: 'DIR',
    default: DEBIAN_FASHION_MNIST_DIR,
    description: 'the full Fashion-MNIST IDX files (standard and best budgets)',
  },
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'where the run goes (default runs/quality-<task>-<budget>-seed<S>[-<last>])' },
  { name: 'backend', type: 'string', values: ['auto', 'node-gpu', 'node', 'wasm', 'webgpu', 'cpu'], default: 'auto', description: 'tfjs backend' },
  { name: 'threads', type: 'integer', min: 1, placeholder: 'N', description: 'threads of the wasm backend (default: all cores, at most 8)' },
  { name: 'json', type: 'boolean', description: 'print the result as one JSON object on the last line' },
  { name: 'help', type: 'boolean', description: 'this list' },
];

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values: given } = parseArgs(argv, OPTIONS, 'bench:quality');
  if (given.help === true) {
    process.stdout.write(`npm run -s bench:quality -- --task classification|inpainting [options]\n\n${optionsUsage(OPTIONS)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (given.task === undefined) throw new UsageError(`--task is required: ${TASKS.join(' or ')}`);
  const v: Record<string, unknown> = {
    ...Object.fromEntries(OPTIONS.filter((o) => o.default !== undefined).map((o) => [o.name, o.type === 'string' ? o.default : Number(o.default)])),
    ...given,
  };
  const task = v.task as Task;
  const budget = v.budget as Budget;
  const first = v.seed as number;
  const seeds = Array.from({ length: v['search-seeds'] as number }, (_, i) => first + i);
  const random = budget === 'best' ? 0 : (v.random as number);
  if (budget === 'best' && given.random !== undefined && given.random !== 0)
    throw new UsageError('--random: the best budget retrains the found architecture only; leave --random out');

  const base = task === 'classification' ? CLASSIFICATION_BUDGETS[budget] : INPAINTING_BUDGETS[budget];
  const steps = v['search-steps'] as number | undefined;
  const totalSteps = steps ?? base.search.steps;
  const warmup = v['warmup-steps'] as number | undefined;
  if (warmup !== undefined && warmup >= totalSteps) throw new UsageError(`--warmup-steps: expected fewer than the search's ${totalSteps} steps, got ${warmup}`);
  if (warmup === undefined && steps !== undefined && base.search.warmupSteps >= steps)
    throw new UsageError(`--search-steps: expected more than the budget's ${base.search.warmupSteps} warm-up steps, got ${steps}; give --warmup-steps too`);
  const delta = v['initial-delta'] as number | undefined;
  if (delta !== undefined && !(delta > 0 && delta <= 10)) throw new UsageError(`--initial-delta: expected a number in (0, 10], got ${delta}`);
  if (delta !== undefined && task !== 'classification') throw new UsageError('--initial-delta: only the classification task has this variant');
  const lambda = v.lambda as number | undefined;
  if (lambda !== undefined && lambda > 64) throw new UsageError(`--lambda: expected an integer from 2 to 64, got ${lambda}`);
  const penalty = v['parameter-penalty'] as number | undefined;
  if (penalty !== undefined && !(penalty <= 4)) throw new UsageError(`--parameter-penalty: expected a number in [0, 4], got ${penalty}`);
  const holeWeight = v['hole-weight'] as number | undefined;
  if (holeWeight !== undefined && task !== 'inpainting') throw new UsageError('--hole-weight: only the inpainting task has this variant');
  if (holeWeight !== undefined && !(holeWeight <= 1000)) throw new UsageError(`--hole-weight: expected a number in [0, 1000], got ${holeWeight}`);
  const selectionHoleWeight = v['selection-hole-weight'] as number | undefined;
  if (selectionHoleWeight !== undefined && task !== 'inpainting') throw new UsageError('--selection-hole-weight: only the inpainting task has this variant');
  if (selectionHoleWeight !== undefined && !(selectionHoleWeight <= 1000))
    throw new UsageError(`--selection-hole-weight: expected a number in [0, 1000], got ${selectionHoleWeight}`);
  const finalists = v.finalists as number | undefined;
  const finalistExamples = v['finalist-examples'] as number | undefined;
  const finalistHoldOut = v['finalist-hold-out'] as number | undefined;
  if (finalists !== undefined && finalists > 64) throw new UsageError(`--finalists: expected an integer from 1 to 64, got ${finalists}`);
  const finalistDraw = v['finalist-draw'] as string | undefined;
  if (v['retrain-finalists'] === true && (finalists === undefined || task !== 'classification'))
    throw new UsageError('--retrain-finalists: needs --finalists K, and the classification task');
  if (finalists === undefined && (finalistExamples !== undefined || finalistHoldOut !== undefined || finalistDraw !== undefined))
    throw new UsageError(
      `--${finalistExamples !== undefined ? 'finalist-examples' : finalistHoldOut !== undefined ? 'finalist-hold-out' : 'finalist-draw'}: give --finalists K too`,
    );
  const kernelsGiven = v['kernel-sizes'] as string | undefined;
  let kernelSizes: number[] | undefined;
  if (kernelsGiven !== undefined) {
    if (task !== 'inpainting') throw new UsageError('--kernel-sizes: only the inpainting task has this variant');
    kernelSizes = kernelsGiven.split(',').map((k) => Number(k.trim()));
    if (kernelSizes.some((k) => !(Number.isInteger(k) && k >= 1 && k % 2 === 1 && k <= 15)) || new Set(kernelSizes).size !== kernelSizes.length)
      throw new UsageError(`--kernel-sizes: expected distinct odd integers from 1 to 15, comma-separated, got ${JSON.stringify(kernelsGiven)}`);
    kernelSizes.sort((a, b) => a - b);
    if (!kernelSizes.includes(3) && (base as InpaintingSettings).handWritten)
      throw new UsageError(`--kernel-sizes: the hand-written autoencoder this budget retrains needs 3, got ${JSON.stringify(kernelsGiven)}`);
  }
  const retrainEpochs = v['retrain-epochs'] as number | undefined;
  if (retrainEpochs !== undefined && retrainEpochs > 1000) throw new UsageError(`--retrain-epochs: expected an integer from 1 to 1000, got ${retrainEpochs}`);
  const retrainWidths = v['retrain-widths'] as RetrainWidths | undefined;
  if (retrainWidths !== undefined && task !== 'inpainting') throw new UsageError('--retrain-widths: only the inpainting task has this variant');
  const freeze = v['freeze-weights'] === true;
  if (freeze && (warmup ?? base.search.warmupSteps) === 0)
    throw new UsageError('--freeze-weights: needs a warm-up (--warmup-steps N, N >= 1): the weights train during it only');
  const budgetWidth = v['budget-width'] as number | undefined;
  const searchChannels = v['search-channels'] as number | undefined;
  const widestChoice = task === 'inpainting' ? Math.max(...(base as InpaintingSettings).channels) : 1;
  if (searchChannels !== undefined && searchChannels < widestChoice)
    throw new UsageError(`--search-channels: expected at least the inpainting space's largest channel count, ${widestChoice}, got ${searchChannels}`);
  if (budgetWidth !== undefined && searchChannels === undefined)
    throw new UsageError('--budget-width: give --search-channels too, the widest any architecture runs in the supernet');
  const masksGiven = v.masks as string | undefined;
  let masks: string[] | undefined;
  if (masksGiven !== undefined) {
    if (task !== 'inpainting') throw new UsageError('--masks: only the inpainting task has masks');
    const all = (base as InpaintingSettings).masks as readonly string[];
    masks = masksGiven.split(',').map((m) => m.trim());
    for (const m of masks)
      if (!all.includes(m)) throw new UsageError(`--masks: expected a comma-separated subset of ${all.join(', ')}, got ${JSON.stringify(m)}`);
    if (new Set(masks).size !== masks.length || masks.length === 0) throw new UsageError(`--masks: expected distinct masks, got ${JSON.stringify(masksGiven)}`);
    masks = all.filter((m) => masks!.includes(m));
  }
  const search = {
    ...base.search,
    ...(steps !== undefined ? { steps } : {}),
    ...(warmup !== undefined ? { warmupSteps: warmup } : {}),
    ...(delta !== undefined ? { initialDelta: delta } : {}),
    ...(lambda !== undefined ? { lambda } : {}),
    ...(penalty !== undefined ? { parameterPenalty: penalty } : {}),
    ...(searchChannels !== undefined ? (task === 'inpainting' ? { supernetChannels: searchChannels } : { channels: searchChannels }) : {}),
    ...(budgetWidth !== undefined ? { parameterBudget: budgetWidth } : {}),
    ...(holeWeight !== undefined ? { holeWeight } : {}),
    ...(selectionHoleWeight !== undefined ? { selectionHoleWeight } : {}),
    ...(freeze ? { freezeWeightsAfterWarmup: true } : {}),
    ...(finalists !== undefined ? { finalists } : {}),
    ...(finalistDraw === 'drawn' ? { finalistDraw: 'drawn' as const } : {}),
    ...(finalistExamples !== undefined ? { finalistExamples } : {}),
    ...(finalistHoldOut !== undefined ? { finalistHoldOut } : {}),
  };
  const varied =
    freeze || [steps, warmup, delta, lambda, penalty, searchChannels, budgetWidth, holeWeight, selectionHoleWeight, finalists].some((x) => x !== undefined);
  const uniform = retrainWidths === 'uniform';
  const settings = {
    ...(varied ? { ...base, search } : base),
    ...(uniform || retrainEpochs !== undefined
      ? { retrain: { ...base.retrain, ...(uniform ? { widths: 'uniform' as const } : {}), ...(retrainEpochs !== undefined ? { epochs: retrainEpochs } : {}) } }
      : {}),
    ...(kernelSizes !== undefined ? { kernelSizes } : {}),
    ...(masks !== undefined ? { masks } : {}),
  };

  const root = resolve(import.meta.dirname, '../../..');
  const variant = `${masks !== undefined ? `-${masks.join('+')}` : ''}${kernelSizes !== undefined ? `-kernels${kernelSizes.join('+')}` : ''}${steps !== undefined ? `-steps${steps}` : ''}${warmup !== undefined ? `-warmup${warmup}` : ''}${delta !== undefined ? `-delta${delta}` : ''}${lambda !== undefined ? `-lambda${lambda}` : ''}${penalty !== undefined ? `-penalty${penalty}` : ''}${searchChannels !== undefined ? `-c${searchChannels}` : ''}${budgetWidth !== undefined ? `-bw${budgetWidth}` : ''}${holeWeight !== undefined ? `-hole${holeWeight}` : ''}${selectionHoleWeight !== undefined ? `-selhole${selectionHoleWeight}` : ''}${uniform ? '-uniform' : ''}${retrainEpochs !== undefined ? `-e${retrainEpochs}` : ''}${freeze ? '-frozen' : ''}${finalists !== undefined ? `-finalists${finalists}` : ''}${finalistDraw === 'drawn' ? '-drawn' : ''}${finalistExamples !== undefined ? `-fe${finalistExamples}` : ''}${finalistHoldOut !== undefined ? `-fh${finalistHoldOut}` : ''}`;
  const name = `quality-${task}-${budget}${variant}-seed${first}${seeds.length > 1 ? `-${seeds.at(-1)}` : ''}${random !== 5 && budget !== 'best' ? `-k${random}` : ''}`;
  const runDir = resolve(process.env.INIT_CWD ?? process.cwd(), (v['run-dir'] as string | undefined) ?? join(root, 'runs', name));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const selection = await selectBackend({ backend: v.backend as 'auto', wasmThreads: (v.threads as number | undefined) ?? 'auto' });
  log(`backend: ${selection.backend} (${selection.reason}); run directory: ${runDir}`);

  const pinned = { task, budget, seeds, random, settings };
  pinSettings(runDir, pinned);
  const reuse = v['reuse-random'] as string | undefined;
  const reuseRandomFrom = reuse === undefined ? undefined : reusablePieceDir(pinned, resolve(process.env.INIT_CWD ?? process.cwd(), reuse), runDir);
  const full = task === 'classification' ? CLASSIFICATION_BUDGETS[budget].dataset === 'fashion-mnist' : budget !== 'smoke';
  const dataset: Dataset = full ? await fashionMnist.load({ path: String(v['data-path']), download: false }) : await fashionMnistSubset.load();
  const retrainSeeds = v['retrain-seeds'] as number;
  const retrainFinalists = v['retrain-finalists'] === true;
  const ctx = { runDir, seeds, random, retrainSeeds, log, retrainFinalists, ...(reuseRandomFrom !== undefined ? { reuseRandomFrom } : {}) };
  const started = process.hrtime.bigint();
  let result: ClassificationQuality | InpaintingQuality;
  try {
    result =
      task === 'classification'
        ? await runClassificationQuality(ctx, settings as ClassificationSettings, budget, dataset)
        : await runInpaintingQuality(ctx, settings as InpaintingSettings, budget, dataset);
  } finally {
    await dataset.close?.();
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const output = { ...result, retrainSeeds, backend: selection.backend, threads: (v.threads as number | undefined) ?? 'auto', wallSeconds: wall };
  writeJsonAtomic(join(runDir, 'quality.json'), output);
  const page =
    result.task === 'classification'
      ? classificationPage(result, retrainSeeds)
      : qualityPage(
          `asng quality benchmark: inpainting, ${budget} budget`,
          [
            `Seeds ${seeds.join(', ')}; ${random} random architectures per seed${retrainSeeds > 1 ? `; every network retrained ${retrainSeeds} times, the figures are their means` : ''}.`,
          ],
          inpaintingTables(result),
          result.settings,
          inpaintingGridsHtml(runDir),
        );
  writeFileAtomic(join(runDir, 'quality.html'), page);
  process.stdout.write(
    `${result.task === 'classification' ? classificationText(result) : inpaintingTables(result).map(textTable).join('\n\n')}\n\nWritten: ${join(runDir, 'quality.html')}, ${join(runDir, 'quality.json')}\n`,
  );
  if (given.json === true) process.stdout.write(`${JSON.stringify(output)}\n`);
  return 0;
}

function classificationRows(r: ClassificationQuality): { header: string[]; rows: string[][]; highlight: boolean[] } {
  const header = ['architecture', 'seed', 'test accuracy', 'parameters', 'channels', 'rank', 'seconds'];
  const rows: string[][] = [];
  const highlight: boolean[] = [];
  // With several retrainings: their mean ± their standard deviation.
  const accuracy = (x: { metric: number; retrains?: readonly number[] }) =>
    x.retrains !== undefined && x.retrains.length > 1 ? `${x.metric.toFixed(4)} ± ${stats(x.retrains).std.toFixed(4)}` : x.metric.toFixed(4);
  for (const [i, f] of r.found.entries()) {
    rows.push([
      `found (convergence ${f.convergence.toFixed(3)})`,
      String(f.seed),
      accuracy(f),
      String(f.parameters),
      String(f.channels),
      `${r.foundRank[i]} of ${r.random.length + 1}`,
      f.seconds.toFixed(0),
    ]);
    highlight.push(true);
    // The selection's finalists, scored on held-out training images (not the test split).
    for (const [k, x] of (f.finalists ?? []).entries()) {
      rows.push([
        `  finalist ${k + 1}${k === f.selected ? ' (selected)' : ''}, probability ${x.probability.toPrecision(3)}`,
        String(f.seed),
        `held-out ${x.accuracy.toFixed(4)}`,
        String(x.parameters),
        String(x.channels),
        '',
        x.seconds.toFixed(0),
      ]);
      highlight.push(false);
    }
  }
  for (const x of r.random) {
    rows.push([`random ${x.index + 1}`, String(x.seed), accuracy(x), String(x.parameters), String(x.channels), '', x.seconds.toFixed(0)]);
    highlight.push(false);
  }
  if (r.random.length > 0) {
    rows.push(['random mean ± std', '', `${r.randomMean.toFixed(4)} ± ${r.randomStd.toFixed(4)}`, '', '', '', '']);
    rows.push(['random best', '', r.randomMax.toFixed(4), '', '', '', '']);
    highlight.push(false, false);
  }
  return { header, rows, highlight };
}

function classificationPage(r: ClassificationQuality, retrainSeeds: number): string {
  const t = classificationRows(r);
  const lines = [
    `Fashion-MNIST (${r.settings.dataset}), test accuracy on all ${r.testExamples} test images; every network retrained from scratch at ${r.settings.retrain.parameterBudget} trainable parameters at most, ${r.settings.retrain.epochs} epochs, the same recipe and seed${retrainSeeds > 1 ? `s (${retrainSeeds} retrainings each: the accuracy is their mean)` : ''}.`,
    `Search ${(r.seconds.search / 60).toFixed(1)} min, retraining ${(r.seconds.retrain / 60).toFixed(1)} min.`,
  ];
  return qualityPage(`asng quality benchmark: classification, ${r.budget} budget`, lines, [{ caption: 'Found against random', ...t }], r.settings);
}

function classificationText(r: ClassificationQuality): string {
  const t = classificationRows(r);
  return textTable({ caption: `classification, ${r.budget} budget, ${r.testExamples} test images`, header: t.header, rows: t.rows });
}

function textTable(t: { caption: string; header: readonly string[]; rows: readonly (readonly string[])[] }): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((row) => row[i]?.length ?? 0)));
  return [
    t.caption,
    ...[t.header, ...t.rows].map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench:quality: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
