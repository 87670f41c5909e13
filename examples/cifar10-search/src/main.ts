/**
 * The CIFAR-10 search example:
 *
 *   npm run -s start -w @asng/example-cifar10-search -- --data-path /data/cifar-10-binary.tar.gz [--retrain-epochs N] [--json]
 *
 * `--help` lists the options. Ctrl-C stops the search after the current step
 * with a checkpoint; the same command with `--run-dir` of that run resumes it.
 */
import '@tensorflow/tfjs';
import { runCifar10Search } from './cifar10-search.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await runCifar10Search(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
  signal: controller.signal,
});
