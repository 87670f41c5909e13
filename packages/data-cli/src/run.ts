import type { DatasetLoader, DatasetLoadOptions, ProgressEvent, SplitName } from '@asng/core';
import { join } from 'node:path';
import { defaultCacheDir } from '@asng/dataset-files';
import { datasetLoaders } from './loaders.js';

/** Where {@link runDataCli} writes. */
export interface CliIo {
  /** Results. */
  readonly stdout: (text: string) => void;
  /** Errors and progress. */
  readonly stderr: (text: string) => void;
}

const USAGE = `usage: asng-data info <dataset> [--path DIR] [--cache-dir DIR] [--mirror URL] [--no-download] [--json]
       asng-data cache <dataset> [--path DIR] [--cache-dir DIR] [--size N] [--json]
       asng-data list [--json]

Datasets: ${datasetLoaders.map((l) => l.name).join(', ')}
  --path DIR       a directory (or archive) with the dataset's files, used alone (also --data-path)
  --cache-dir DIR  where downloads are cached (default ~/.cache/asng/datasets)
  --mirror URL     download from this base URL instead of the official mirror
  --no-download    fail instead of downloading a missing dataset
  --size N         cache: side of the decoded images (the loader's default otherwise; use the search's)
  --json           print one JSON object as the last line

cache decodes every image of an image dataset (celeba, image-folder) once into
the decoded-image cache (<cache-dir>/decoded), so that a search loading it with
diskCache: true and the same size never waits for JPEG decoding.`;

/**
 * Runs the `asng-data` command line and returns its exit code: 0 on
 * success, 1 when the dataset cannot be loaded, 2 on a usage error.
 *
 * `info <dataset> --json` prints
 * `{"name":…,"train":…,"test":…,"shape":[h,w,c],"classes":…,"source":…}`;
 * `cache <dataset> --json` fills the decoded-image cache of an image dataset
 * and prints `{"name":…,"shape":[h,w,c],"cacheDir":…,"images":{"train":…,"test":…}}`.
 */
export async function runDataCli(argv: readonly string[], io: CliIo, loaders: readonly DatasetLoader[] = datasetLoaders): Promise<number> {
  const args = [...argv];
  const json = take(args, '--json');
  const noDownload = take(args, '--no-download');
  let path: string | undefined;
  let cacheDir: string | undefined;
  let mirror: string | undefined;
  let size: number | undefined;
  try {
    path = value(args, '--path');
    // The name the asng CLI gives the same option.
    const dataPath = value(args, '--data-path');
    if (path !== undefined && dataPath !== undefined) throw new Error('asng-data: --path and --data-path are the same option; give one');
    path ??= dataPath;
    cacheDir = value(args, '--cache-dir');
    mirror = value(args, '--mirror');
    const sizeText = value(args, '--size');
    if (sizeText !== undefined) {
      size = Number(sizeText);
      if (!/^\d+$/.test(sizeText) || size < 1) throw new Error(`asng-data: --size needs a positive integer, got ${JSON.stringify(sizeText)}`);
    }
    const unknown = args.find((a) => a.startsWith('--'));
    if (unknown !== undefined) {
      throw new Error(`asng-data: unknown option ${unknown}; accepted: --path (or --data-path), --cache-dir, --mirror, --no-download, --size, --json`);
    }
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, name, ...rest] = args;
  if (command === 'list' && name === undefined) {
    if (json) io.stdout(`${JSON.stringify(loaders.map((l) => ({ name: l.name, description: l.description })))}\n`);
    else for (const l of loaders) io.stdout(`${l.name.padEnd(22)}${l.description}\n`);
    return 0;
  }
  const problem =
    command === undefined
      ? 'a command is needed'
      : command !== 'info' && command !== 'cache' && command !== 'list'
        ? `unknown command ${JSON.stringify(command)}`
        : command === 'list' || rest.length > 0
          ? `unexpected argument ${JSON.stringify(command === 'list' ? name : rest[0])}`
          : name === undefined
            ? `'${command}' needs a dataset name`
            : size !== undefined && command !== 'cache'
              ? '--size is an option of cache only'
              : undefined;
  if (problem !== undefined || name === undefined) {
    io.stderr(`asng-data: ${problem}\n${USAGE}\n`);
    return 2;
  }
  const loader = loaders.find((l) => l.name === name);
  if (loader === undefined) {
    io.stderr(`asng-data: unknown dataset ${JSON.stringify(name)}; known: ${loaders.map((l) => l.name).join(', ')}\n`);
    return 2;
  }
  const options: DatasetLoadOptions = {
    ...(path === undefined ? {} : { path }),
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(mirror === undefined ? {} : { mirror }),
    download: !noDownload,
    onProgress: progressBar(io.stderr),
  };
  if (command === 'cache') return fillCache(loader, { ...options, ...(size === undefined ? {} : { size }) }, json, io);
  try {
    const dataset = await loader.load(options);
    const { info } = dataset;
    await dataset.close?.();
    const summary = {
      name: info.name,
      train: info.splits.train ?? 0,
      test: info.splits.test ?? 0,
      shape: [...info.shape],
      classes: info.classes,
      source: info.source,
    };
    if (json) {
      io.stdout(`${JSON.stringify(summary)}\n`);
    } else {
      io.stdout(
        `${info.name}: ${summary.train} training and ${summary.test} test images of ${info.shape.join('x')}, ${info.classes} classes\nsource: ${info.source}\n`,
      );
    }
    return 0;
  } catch (error) {
    io.stderr(`asng-data: ${(error as Error).message}\n`);
    return 1;
  }
}

/** A split whose decoded images can be written to the disk cache ahead of use. */
interface PreparableSplit {
  prepare(onProgress?: (done: number, total: number) => void): Promise<void>;
}

const isPreparable = (split: object): split is PreparableSplit => typeof (split as Partial<PreparableSplit>).prepare === 'function';

/** `asng-data cache`: loads with the disk cache on and fills it for every split. */
async function fillCache(loader: DatasetLoader, options: DatasetLoadOptions & { size?: number }, json: boolean, io: CliIo): Promise<number> {
  try {
    const dataset = await loader.load({ ...options, diskCache: true } as DatasetLoadOptions);
    const images: Record<string, number> = {};
    try {
      for (const name of Object.keys(dataset.info.splits)) {
        const split = dataset.split(name as SplitName);
        if (!isPreparable(split)) {
          io.stderr(
            `asng-data: ${loader.name} has no decoded-image cache: its images are not decoded from image files (cache works for celeba and image-folder)\n`,
          );
          return 1;
        }
        let last = -1;
        await split.prepare((done, total) => {
          const percent = Math.floor((100 * done) / total);
          if (percent === last) return;
          last = percent;
          const filled = Math.round(percent / 5);
          io.stderr(`\rdecoding ${name} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${percent}% ${done}/${total}${done >= total ? '\n' : ''}`);
        });
        images[name] = split.size;
      }
    } finally {
      await dataset.close?.();
    }
    const summary = { name: dataset.info.name, shape: [...dataset.info.shape], cacheDir: join(options.cacheDir ?? defaultCacheDir(), 'decoded'), images };
    io.stdout(
      json
        ? `${JSON.stringify(summary)}\n`
        : `${summary.name}: ${Object.entries(images)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')} images of ${summary.shape.join('x')} decoded into ${summary.cacheDir}\n`,
    );
    return 0;
  } catch (error) {
    io.stderr(`asng-data: ${(error as Error).message}\n`);
    return 1;
  }
}

function take(args: string[], flag: string): boolean {
  const at = args.indexOf(flag);
  if (at === -1) return false;
  args.splice(at, 1);
  return true;
}

function value(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at === -1) return undefined;
  const found = args[at + 1];
  if (found === undefined || found.startsWith('--')) throw new Error(`asng-data: ${flag} needs a value`);
  args.splice(at, 2);
  return found;
}

/** A progress bar on one line of `write`, redrawn at most every 1%. */
function progressBar(write: (text: string) => void): (event: ProgressEvent) => void {
  let lastTask = '';
  let lastPercent = -1;
  return (event) => {
    if (event.total === undefined || event.total === 0) {
      if (event.task !== lastTask) write(`${event.task}...\n`);
      lastTask = event.task;
      return;
    }
    const percent = Math.floor((100 * event.done) / event.total);
    if (event.task === lastTask && percent === lastPercent) return;
    lastTask = event.task;
    lastPercent = percent;
    const filled = Math.round(percent / 5);
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    write(
      `\r${event.task} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${percent}% ${mb(event.done)}/${mb(event.total)} MB${event.done >= event.total ? '\n' : ''}`,
    );
  };
}
