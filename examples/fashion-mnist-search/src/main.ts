/**
 * The main job: a one-shot architecture search with ASNG in the paper's cell
 * space (small: 3 cells of 8 channels) on the embedded Fashion-MNIST subset,
 * with the fastest backend available, then the HTML report. A few minutes on
 * 2 CPU cores.
 *
 *   npm run -s main [-- --epochs N --max-examples N --cells N --channels N --json]
 *
 * Every run gets its own directory under runs/; Ctrl-C stops after the
 * current step (resume with `npm run -s asng -- resume <dir>`).
 */
import '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '@asng/cli';

const defaults: Record<string, string> = { epochs: '3', 'max-examples': '1200', cells: '3', channels: '8', 'batch-size': '32', lr: '0.05', seed: '1' };
const args = process.argv.slice(2);
const json = args.includes('--json');
const settings = { ...defaults };
for (let i = 0; i < args.length; i++) {
  const name = args[i]!.replace(/^--/, '');
  if (name === 'json') continue;
  if (!(name in defaults) || args[i + 1] === undefined) {
    console.error(`main: unknown or incomplete option ${JSON.stringify(args[i])}; accepted: ${Object.keys(defaults).map((k) => `--${k} N`).join(', ')}, --json`);
    process.exit(2);
  }
  settings[name] = args[++i]!;
}

const root = resolve(import.meta.dirname, '../../..');
const runDir = join(root, 'runs', `fashion-mnist-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(join(root, 'runs'), { recursive: true });
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const io = {
  stdout: (t: string) => process.stdout.write(t),
  stderr: (t: string) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
  signal: controller.signal,
};
const code = await runCli(
  [
    'search',
    'image-classification',
    '--space-option', `cells=${settings.cells}`,
    '--space-option', `channels=${settings.channels}`,
    '--dataset', 'fashion-mnist-subset',
    '--run-dir', runDir,
    '--epochs', settings.epochs!,
    '--max-examples', settings['max-examples']!,
    '--batch-size', settings['batch-size']!,
    '--lr', settings.lr!,
    '--seed', settings.seed!,
    ...(json ? ['--json'] : []),
  ],
  io,
);
if (code === 0) {
  const report = await runCli(['report', runDir, ...(json ? ['--json'] : [])], json ? { ...io, stdout: () => undefined } : io);
  process.exitCode = report;
} else {
  process.exitCode = code;
}
