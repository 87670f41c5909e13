/**
 * The inpainting results of the paper's second task, on a CPU budget: for
 * each mask (center, random-pixel, random-half) a search of the
 * convolutional-autoencoder space, the most likely architecture retrained
 * from scratch with Adam and step decay, a hand-written autoencoder of
 * similar size trained with the same budget, and mean fill; PSNR and SSIM on
 * the test images. On Fashion-MNIST padded to 32x32 (the embedded subset, or
 * the full set with --full), then on CelebA when it is present.
 *
 *   npm run -s inpainting-results -- [--json] [options]   (--help lists them)
 *
 * Writes one run directory per dataset and mask (with its report.html) and a
 * results.html with every image grid under --out; prints a table, and with
 * --json one JSON object as the last line.
 */
import '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selectBackend } from '@asng/backend-select';
import type { Dataset } from '@asng/core';
import { parseArgs, readRun, renderReport, restorationGrids, UsageError, type OptionSpec } from '@asng/cli';
import { celeba } from '@asng/dataset-celeba';
import { DatasetNotFoundError } from '@asng/dataset-files';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnist } from '@asng/dataset-mnist';
import { writeFileAtomic } from '@asng/engine';
import type { MaskName } from '@asng/space-inpainting';
import { padDataset } from '@asng/data';
import { allRestorations, maskResults, maskRunDir, type MaskResult, type ResultsSettings } from './results.js';

const OPTIONS: (OptionSpec & { readonly default?: string })[] = [
  { name: 'masks', type: 'string', placeholder: 'LIST', default: 'center,random-pixel,random-half', description: 'masks, comma-separated' },
  {
    name: 'full',
    type: 'boolean',
    description: `the full Fashion-MNIST (60,000 + 10,000) from --fashion-mnist-path instead of the embedded 6,000 + 1,000 subset`,
  },
  { name: 'fashion-mnist-path', type: 'string', placeholder: 'DIR', default: DEBIAN_FASHION_MNIST_DIR, description: 'the IDX files of --full' },
  { name: 'celeba-path', type: 'string', placeholder: 'DIR', description: 'CelebA (default: the loader lookup, ~/.cache/asng/datasets/celeba)' },
  { name: 'celeba-size', type: 'integer', min: 11, placeholder: 'N', default: '32', description: 'side of the CelebA images (the paper: 64)' },
  { name: 'no-celeba', type: 'boolean', description: 'do not look for CelebA' },
  { name: 'encoding', type: 'string', values: ['mixed', 'categorical'], default: 'mixed', description: 'encoding of the space' },
  { name: 'nodes', type: 'integer', min: 1, placeholder: 'N', default: '10', description: 'chain length (the paper: 20)' },
  { name: 'level-back', type: 'integer', min: 1, placeholder: 'N', default: '3', description: 'level-back (the paper: 5)' },
  { name: 'channels', type: 'string', placeholder: 'LIST', default: '8,16,32', description: 'channel counts (the paper: 64,128,256)' },
  { name: 'seed', type: 'integer', placeholder: 'N', default: '1', description: 'seed of everything' },
  { name: 'batch-size', type: 'integer', min: 1, placeholder: 'N', default: '32', description: 'batch size of the search and the retrainings' },
  { name: 'max-examples', type: 'integer', min: 2, placeholder: 'N', description: 'training examples used (default: all)' },
  { name: 'test-images', type: 'integer', min: 1, placeholder: 'N', description: 'test images scored per method (default: all)' },
  {
    name: 'search-epochs',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    default: '1',
    description: 'search budget in epochs (each pairs a training and a validation half)',
  },
  { name: 'search-steps', type: 'integer', min: 1, placeholder: 'N', description: 'search budget in steps (overrides --search-epochs)' },
  { name: 'search-optimizer', type: 'string', values: ['adam', 'sgd'], default: 'adam', description: 'weight optimizer of the search' },
  { name: 'search-lr', type: 'number', min: 0, placeholder: 'X', default: '0.001', description: 'learning rate of the search (cosine schedule)' },
  {
    name: 'retrain-epochs',
    type: 'integer',
    min: 1,
    placeholder: 'N',
    default: '2',
    description: 'epochs of each retraining (searched and hand-written alike)',
  },
  { name: 'retrain-lr', type: 'number', min: 0, placeholder: 'X', default: '0.001', description: "Adam's initial learning rate" },
  { name: 'decay-epochs', type: 'string', placeholder: 'LIST', description: 'epochs of the step decays (default: half and three quarters of the budget)' },
  { name: 'decay-factor', type: 'number', min: 0, placeholder: 'X', default: '0.1', description: 'factor of each decay' },
  { name: 'weight-decay', type: 'number', min: 0, placeholder: 'X', default: '0', description: 'L2 weight decay' },
  { name: 'backend', type: 'string', values: ['auto', 'wasm', 'cpu', 'node', 'node-gpu'], default: 'auto', description: 'tfjs backend' },
  { name: 'threads', type: 'integer', min: 1, placeholder: 'N', description: 'threads of the wasm backend' },
  { name: 'out', type: 'string', placeholder: 'DIR', description: 'output directory (default runs/inpainting-results-<time>)' },
  { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
  { name: 'help', type: 'boolean', description: 'this list' },
];

const MASKS: readonly MaskName[] = ['center', 'random-pixel', 'random-half'];

function list(value: string, option: string): number[] {
  const out = value.split(',').map(Number);
  if (out.some((n) => !Number.isFinite(n))) throw new UsageError(`--${option}: expected comma-separated numbers, got ${JSON.stringify(value)}`);
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values: given } = parseArgs(argv, OPTIONS, 'inpainting-results');
  if (given.help === true) {
    process.stdout.write(
      `options:\n${OPTIONS.map((o) => `${`  --${o.name}${o.placeholder ? ` ${o.placeholder}` : ''}`.padEnd(30)}${o.description}${o.default ? ` (default ${o.default})` : ''}`).join('\n')}\n`,
    );
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const v: Record<string, unknown> = {
    ...Object.fromEntries(OPTIONS.filter((o) => o.default !== undefined).map((o) => [o.name, o.type === 'string' ? o.default : Number(o.default)])),
    ...given,
  };
  const masks = String(v.masks).split(',') as MaskName[];
  for (const m of masks) if (!MASKS.includes(m)) throw new UsageError(`--masks: unknown mask ${JSON.stringify(m)}; accepted: ${MASKS.join(', ')}`);
  const settings: ResultsSettings = {
    masks,
    encoding: v.encoding as ResultsSettings['encoding'],
    nodes: v.nodes as number,
    levelBack: v['level-back'] as number,
    channels: list(String(v.channels), 'channels'),
    seed: v.seed as number,
    batchSize: v['batch-size'] as number,
    ...(v['max-examples'] !== undefined ? { maxExamples: v['max-examples'] as number } : {}),
    ...(v['test-images'] !== undefined ? { testImages: v['test-images'] as number } : {}),
    searchEpochs: v['search-epochs'] as number,
    ...(v['search-steps'] !== undefined ? { searchSteps: v['search-steps'] as number } : {}),
    searchOptimizer: v['search-optimizer'] as 'adam' | 'sgd',
    searchLearningRate: v['search-lr'] as number,
    retrainEpochs: v['retrain-epochs'] as number,
    retrainLearningRate: v['retrain-lr'] as number,
    ...(v['decay-epochs'] !== undefined ? { decayEpochs: list(String(v['decay-epochs']), 'decay-epochs') } : {}),
    decayFactor: v['decay-factor'] as number,
    weightDecay: v['weight-decay'] as number,
  };
  const root = resolve(import.meta.dirname, '../../..');
  const out = resolve(
    process.env.INIT_CWD ?? process.cwd(),
    (v.out as string | undefined) ?? join(root, 'runs', `inpainting-results-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  );
  mkdirSync(out, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const backend = await selectBackend({ backend: v.backend as 'auto', ...(v.threads !== undefined ? { wasmThreads: v.threads as number } : {}) });
  log(`backend: ${backend.backend} (${backend.reason}); output: ${out}`);
  const started = Date.now();

  const datasets: { name: string; open: () => Promise<Dataset>; optional: boolean }[] = [
    v.full === true
      ? {
          name: 'fashion-mnist-32',
          open: async () => padDataset(await fashionMnist.load({ path: String(v['fashion-mnist-path']), download: false }), 32, 32),
          optional: false,
        }
      : { name: 'fashion-mnist-subset-32', open: async () => padDataset(await fashionMnistSubset.load(), 32, 32), optional: false },
    ...(v['no-celeba'] === true
      ? []
      : [
          {
            name: 'celeba',
            open: () =>
              celeba.load({ size: v['celeba-size'] as number, download: false, ...(v['celeba-path'] !== undefined ? { path: String(v['celeba-path']) } : {}) }),
            optional: true,
          },
        ]),
  ];
  const report: { dataset: string; present: boolean; reason?: string; source?: string; shape?: readonly number[]; splits?: unknown; masks?: MaskResult[] }[] =
    [];
  const runDirs: string[] = [];
  for (const entry of datasets) {
    let dataset: Dataset;
    try {
      dataset = await entry.open();
    } catch (error) {
      if (!entry.optional || !(error instanceof DatasetNotFoundError)) throw error;
      log(`${entry.name}: absent, skipped (${(error as Error).message.replace(/\s+/g, ' ')})`);
      report.push({ dataset: entry.name, present: false, reason: (error as Error).message.replace(/\s+/g, ' ') });
      continue;
    }
    log(`${entry.name}: ${JSON.stringify(dataset.info.splits)} images of ${dataset.info.shape.join('x')} (${dataset.info.source})`);
    const results: MaskResult[] = [];
    try {
      for (const mask of settings.masks) {
        const runDir = maskRunDir(out, entry.name, mask);
        results.push(await maskResults(dataset, mask, settings, runDir, log));
        runDirs.push(runDir);
        writeFileAtomic(join(runDir, 'report.html'), renderReport(readRun(runDir)));
      }
    } finally {
      await dataset.close?.();
    }
    report.push({ dataset: entry.name, present: true, source: dataset.info.source, shape: dataset.info.shape, splits: dataset.info.splits, masks: results });
  }

  const rows = report.flatMap((d) =>
    d.present
      ? d.masks!.flatMap((m) =>
          (
            [
              ['searched + retrained', m.searched],
              ['hand-written', m.handWritten],
              ['mean fill', m.meanFill],
              ['corrupted input', m.corrupted],
            ] as const
          ).map(([method, r]) => [d.dataset, m.mask, method, r.psnr.toFixed(2), r.ssim.toFixed(4), String(r.parameters), r.seconds.toFixed(0)]),
        )
      : [[d.dataset, '-', 'absent (see below)', '', '', '', '']],
  );
  const header = ['dataset', 'mask', 'method', 'PSNR dB', 'SSIM', 'weights', 'seconds'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const table = [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const absent = report.filter((d) => !d.present).map((d) => `${d.dataset}: absent, skipped: ${d.reason}`);
  const text = [table, ...absent].join('\n');
  const seconds = (Date.now() - started) / 1000;
  writeFileAtomic(join(out, 'results.html'), resultsPage(text, allRestorations(runDirs)));
  writeFileAtomic(join(out, 'results.json'), `${JSON.stringify({ settings, backend: backend.backend, seconds, datasets: report }, null, 2)}\n`);
  process.stdout.write(`${text}\n\nWritten: ${join(out, 'results.html')}, ${join(out, 'results.json')}; ${seconds.toFixed(0)} s in all\n`);
  if (given.json === true) process.stdout.write(`${JSON.stringify({ settings, backend: backend.backend, seconds, datasets: report })}\n`);
  return 0;
}

function resultsPage(table: string, sets: Parameters<typeof restorationGrids>[0]): string {
  const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>asng inpainting results</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:980px}pre{background:#f6f8fa;padding:.8em}.images img{image-rendering:pixelated;display:block}.images td{padding:2px}</style>
</head><body><h1>asng inpainting results</h1><pre>${escapeXml(table)}</pre>${restorationGrids(sets)}</body></html>
`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`inpainting-results: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
