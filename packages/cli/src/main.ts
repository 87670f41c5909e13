// The application entry: the cpu backend, the fallback of every other, and
// the gradients of tfjs-core's ops (see gradients.ts).
import '@tensorflow/tfjs-backend-cpu';
import '#gradients';
import { runCli } from './run.js';

const controller = new AbortController();
let interrupted = false;
const stop = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nStopping after this step and writing a checkpoint (Ctrl-C again to quit at once)...\n');
  controller.abort();
};
process.on('SIGINT', stop);
// What a container manager sends to stop a process (a sweep worker in a container).
process.on('SIGTERM', stop);

// Started by a sweep worker: if the worker dies (even by SIGKILL), stop as on
// Ctrl-C, so that no orphan keeps writing the run that another worker resumes.
const expectedParent = process.env.ASNG_EXIT_WITH_PARENT;
if (expectedParent !== undefined) {
  const parent = Number(expectedParent);
  // Gone before this process even started: do nothing at all.
  if (process.ppid !== parent) {
    process.stderr.write(`The process that started this one (${parent}) is gone: not starting.\n`);
    process.exit(130);
  }
  setInterval(() => {
    if (process.ppid !== parent && !controller.signal.aborted) {
      process.stderr.write(`\nThe process that started this one (${parent}) is gone: stopping after this step and writing a checkpoint.\n`);
      controller.abort();
    }
  }, 500).unref();
}

void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
