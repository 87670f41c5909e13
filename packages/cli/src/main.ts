// The application entry: the umbrella package registers tfjs-core's gradients
// (and the cpu backend), which the CommonJS build of tfjs-core alone lacks in Node.
import '@tensorflow/tfjs';
import { runCli } from './run.js';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nStopping after this step and writing a checkpoint (Ctrl-C again to quit at once)...\n');
  controller.abort();
});

void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
