// A stand-in for the asng CLI in the sweep's tests: it records each call and
// behaves as its options say, in milliseconds, not minutes.
//   --fail           exit 1 with an error on stderr
//   --sleep MS       wait before finishing (SIGINT then exits 130, as asng does)
//   --checkpoint     (search) leave a checkpoint and exit 130, as if stopped
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const calls = process.env.FAKE_ASNG_CALLS;
const value = (flag) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const [command, positional] = argv;
if (calls) appendFileSync(calls, `${JSON.stringify({ t: Date.now(), event: 'start', argv })}\n`);
const end = (code) => {
  if (calls) appendFileSync(calls, `${JSON.stringify({ t: Date.now(), event: 'end', argv, code })}\n`);
  process.exit(code);
};
process.on('SIGINT', () => end(130));
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
  process.stdout.write(`progress that is not JSON\n${JSON.stringify({ command, runDir, metrics: { accuracy: 0.5 } })}\n`);
  end(0);
}, sleep);
