// A stand-in for the asng CLI in the sweep's tests: it records each call and
// behaves as its options say, in milliseconds, not minutes.
//   --fail           exit 1 with an error on stderr
//   --sleep MS       wait before finishing (SIGINT then exits 130, as asng does)
//   --checkpoint     (search) leave a checkpoint and exit 130, as if stopped
//   --early-checkpoint (search) leave a checkpoint at once, then go on
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const calls = process.env.FAKE_ASNG_CALLS;
const value = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const [command, positional] = argv;
const ppid = process.ppid;
if (calls) appendFileSync(calls, `${JSON.stringify({ t: Date.now(), event: 'start', argv, ppid })}\n`);
const end = (code) => {
  if (calls) appendFileSync(calls, `${JSON.stringify({ t: Date.now(), event: 'end', argv, code, ppid })}\n`);
  process.exit(code);
};
process.on('SIGINT', () => end(130));
// As asng does under a sweep worker: stop when the worker is gone.
if (process.env.ASNG_EXIT_WITH_PARENT !== undefined) setInterval(() => process.ppid !== Number(process.env.ASNG_EXIT_WITH_PARENT) && end(130), 50).unref();
// A search leaves its checkpoint at once, so that a killed one is resumed.
if (command === 'search' && argv.includes('--early-checkpoint')) {
  mkdirSync(value('--run-dir'), { recursive: true });
  writeFileSync(join(value('--run-dir'), 'checkpoint.bin'), 'state');
}
const sleep = Number(value('--sleep') ?? 0);
setTimeout(() => {
  if (argv.includes('--fail')) {
    process.stderr.write(`asng: ${command} failed: config.learningRate: expected a positive number\n`);
    end(1);
  }
  const runDir = command === 'search' ? value('--run-dir') : positional;
  mkdirSync(runDir, { recursive: true });
  if (command === 'search' && argv.includes('--checkpoint') && !existsSync(join(runDir, 'checkpoint.bin'))) {
    writeFileSync(join(runDir, 'checkpoint.bin'), 'state');
    end(130);
  }
  if (command === 'search' || command === 'resume') writeFileSync(join(runDir, 'result.json'), JSON.stringify({ best: { op: 'a' } }));
  // A retraining's test figures: the found architecture 0.835, random architecture I 0.8 + I / 100.
  const random = value('--random-architecture');
  const test =
    command === 'retrain' ? { test: { accuracy: random === undefined ? 0.835 : 0.8 + Number(random) / 100, loss: 0.5 }, trainableParameters: 1000 } : {};
  process.stdout.write(`progress that is not JSON\n${JSON.stringify({ command, runDir, metrics: { accuracy: 0.5 }, ...test })}\n`);
  end(0);
}, sleep);
