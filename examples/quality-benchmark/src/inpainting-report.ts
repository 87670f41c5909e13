/**
 * The inpainting task's tables and image grids, for the benchmark's page and
 * its text output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRestorations, restorationGrids, type RestorationSet } from '@asng/cli';
import type { HtmlTable } from './html.js';
import { stats } from './protocol.js';
import { RESTORATIONS_DIR, type InpaintingQuality, type Restoration, type RetrainPiece } from './inpainting-settings.js';

/**
 * The tables of the inpainting task, one per mask: the found networks (one
 * per seed, with their rank among themselves and every random network), the
 * hand-written autoencoders, the random networks, and the random networks'
 * mean, standard deviation and best.
 */
export function inpaintingTables(quality: InpaintingQuality): HtmlTable[] {
  const several = quality.found.some((f) => f.retrains !== undefined);
  const { settings: s } = quality;
  const header = ['network', 'seed', 'PSNR dB', 'SSIM', 'weights', 'width', 'rank PSNR', 'rank SSIM'];
  const of = quality.random.length + 1;
  const tables = s.masks.map((mask) => {
    const rows: string[][] = [];
    const highlight: boolean[] = [];
    // With several retrainings, each figure is their mean ± their standard deviation.
    const cell = (m: Restoration | undefined, runs: readonly Restoration[] | undefined, key: keyof Restoration, digits: number) => {
      if (m === undefined) return '';
      if (runs === undefined || runs.length < 2) return m[key].toFixed(digits);
      return `${m[key].toFixed(digits)} ± ${stats(runs.map((r) => r[key])).std.toFixed(digits)}`;
    };
    const row = (name: string, seed: number | '', m: Restoration | undefined, rest: readonly string[], found = false, runs?: readonly Restoration[]) => {
      rows.push([name, String(seed), cell(m, runs, 'psnr', 2), cell(m, runs, 'ssim', 4), ...rest]);
      highlight.push(found);
    };
    quality.found.forEach((f, i) => {
      const rank = quality.foundRank[mask];
      row(
        `found (convergence ${f.convergence[mask]?.toFixed(3)})`,
        f.seed,
        f.metric[mask],
        [String(f.parameters[mask]), String(f.width[mask]), `${rank?.psnr[i]} of ${of}`, `${rank?.ssim[i]} of ${of}`],
        true,
        f.retrains?.[mask],
      );
    });
    for (const h of quality.handWritten)
      row('hand-written', h.seed, h.metric[mask], [String(h.parameters[mask]), String(h.width[mask]), '', ''], false, h.retrains?.[mask]);
    for (const r of quality.random)
      row(`random ${r.index + 1}`, r.seed, r.metric[mask], [String(r.parameters[mask]), String(r.width[mask]), '', ''], false, r.retrains?.[mask]);
    if (quality.random.length > 0) {
      const [mean, std] = [quality.randomMean[mask]!, quality.randomStd[mask]!];
      rows.push([
        'random mean ± std',
        '',
        `${mean.psnr.toFixed(2)} ± ${std.psnr.toFixed(2)}`,
        `${mean.ssim.toFixed(4)} ± ${std.ssim.toFixed(4)}`,
        '',
        '',
        '',
        '',
      ]);
      highlight.push(false);
      row('random best', '', quality.randomMax[mask], ['', '', '', '']);
    }
    return {
      caption: `${mask} mask: PSNR and SSIM on ${quality.testImages} test images; every network retrained from scratch within ${s.retrain.parameterBudget} weights, ${s.retrain.epochs} epoch(s), the same recipe and seed${several ? 's (mean ± standard deviation of the retrainings)' : ''}`,
      header,
      rows,
      highlight,
    };
  });
  // The selection after each search: its finalists' held-out figures, the selected one highlighted.
  for (const mask of s.masks)
    for (const f of quality.found) {
      const finalists = f.finalists?.[mask];
      if (finalists === undefined) continue;
      tables.push({
        caption: `${mask} mask, search seed ${f.seed}: the finalists (the final distribution's likeliest networks), each trained from scratch on the training split less its held-out images and scored on those; the selected one was retrained and tested above`,
        header: ['finalist', 'architecture', 'probability', 'held-out PSNR dB', 'held-out SSIM', 'weights', 'width'],
        rows: finalists.map((x, i) => [
          String(i + 1),
          x.architecture,
          x.probability.toPrecision(3),
          x.psnr.toFixed(2),
          x.ssim.toFixed(4),
          String(x.parameters),
          String(x.width),
        ]),
        highlight: finalists.map((_x, i) => i === f.selected?.[mask]),
      });
    }
  return tables;
}

/**
 * The HTML fragment of the inpainting task's image grids, one group per mask:
 * for each search seed, the sample restorations of the found network, of the
 * best random one (by PSNR on that mask) and of the hand-written
 * autoencoder, on the same first test images and holes. What a stopped run
 * has not written yet is left out.
 */
export function inpaintingGridsHtml(runDir: string): string {
  const sets = readRestorations(join(runDir, RESTORATIONS_DIR));
  const psnrOf = (source: string) => {
    const path = join(runDir, 'pieces', `${source}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RetrainPiece).psnr : Number.NEGATIVE_INFINITY;
  };
  const chosen: RestorationSet[] = [];
  for (const found of sets) {
    const seed = /^found-seed(\d+)-/.exec(found.source)?.[1];
    if (seed === undefined) continue;
    const randoms = sets.filter((x) => x.mask === found.mask && x.source.startsWith(`random-seed${seed}-${found.mask}-`));
    const best = randoms.reduce<RestorationSet | undefined>((a, b) => (a === undefined || psnrOf(b.source) > psnrOf(a.source) ? b : a), undefined);
    const hand = sets.find((x) => x.mask === found.mask && x.source === `hand-written-seed${seed}-${found.mask}`);
    chosen.push(found, ...(best ? [{ ...best, label: `${best.label}, the best of ${randoms.length} by PSNR` }] : []), ...(hand ? [hand] : []));
  }
  return restorationGrids(chosen);
}
