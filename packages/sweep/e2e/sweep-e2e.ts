/**
 * The sweep queue end to end, with the real CLI and a real Redis:
 *
 *   npm run -s sweep:e2e -- [--searches N] [--json]
 *
 * Runs a sweep of N small searches (default 6) once on this machine without a
 * queue (the uninterrupted reference), then queues the same sweep in BullMQ on
 * a Redis of its own and serves it with two `asng worker` processes; kills one
 * worker with SIGKILL while it runs a search (a third worker takes its place),
 * restarts Redis once, and waits for the end. Prints
 * `{"jobs","completed","failed","retried","lost","completedTwice","identicalToUninterrupted","seconds"}`
 * as its last line: identical means each queued search's log numbers and
 * found architecture equal the reference's bit for bit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { queueState } from '../src/queue.js';
import { readSweepFile } from '../src/sweep-file.js';
import { freePort, hasRedisServer, startRedis, stopProcess, until } from '../test/redis-server.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const searchesAt = args.indexOf('--searches');
const searches = searchesAt >= 0 ? Number(args[searchesAt + 1]) : 6;
if (!(Number.isSafeInteger(searches) && searches >= 2)) throw new Error(`--searches: expected an integer >= 2, got ${args[searchesAt + 1]}`);
if (!hasRedisServer()) throw new Error('sweep:e2e needs redis-server (apt-get install redis-server)');
const log = (line: string) => process.stderr.write(`${line}\n`);

const cliMain = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const asng = [process.execPath, '--conditions=@asng/source', '--import', tsxLoader, cliMain];

const dir = mkdtempSync(join(tmpdir(), 'asng-sweep-e2e-'));
const sweepYaml = (name: string, runs: string) => `name: ${name}
runs: ${runs}
jobs:
  - name: search
    command: search
    options:
      space: image-classification
      space-option: [cells=2, channels=2, nodes=2]
      dataset: fashion-mnist-subset
      max-examples: 160
      batch-size: 8
      steps: 40
      warmup-steps: 4
      checkpoint-minutes: 0.002
    matrix:
      seed: [${Array.from({ length: searches }, (_, i) => i + 1).join(', ')}]
`;

function run(argv: readonly string[], name: string): ChildProcess {
  const child = spawn(asng[0]!, [...asng.slice(1), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const line of d.toString().split('\n')) if (/^(start|done|FAILED|stopped)/.test(line)) log(`[${name}] ${line}`);
  });
  (child as ChildProcess & { errorText: () => string }).errorText = () => err;
  return child;
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

/** A search log's numbers, without wall-clock fields. */
const numbers = (runDir: string) =>
  readFileSync(join(runDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds, imagesPerSecond, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });

const started = process.hrtime.bigint();
const workers: ChildProcess[] = [];
let redis: ChildProcess | undefined;
try {
  // 1. The reference: the same sweep on this machine, uninterrupted.
  writeFileSync(join(dir, 'reference.yaml'), sweepYaml('reference', 'reference'));
  log('reference: asng sweep run, 2 workers, no interruption');
  const reference = run(['sweep', 'run', join(dir, 'reference.yaml'), '--workers', '2', '--threads', '1', '--quiet'], 'reference');
  if ((await exited(reference)) !== 0) throw new Error('the reference sweep failed');

  // 2. The same sweep through the queue, with faults.
  const port = await freePort();
  redis = await startRedis(port, dir);
  const url = `redis://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'queued.yaml'), sweepYaml('queued', 'queued'));
  const sweep = readSweepFile(join(dir, 'queued.yaml'));
  if ((await exited(run(['sweep', 'submit', join(dir, 'queued.yaml'), '--redis', url], 'submit'))) !== 0) throw new Error('submit failed');
  const doneLines = new Map<string, number>();
  const startWorker = (name: string) => {
    const w = run(['worker', '--redis', url, '--name', name, '--lock-seconds', '3', '--threads', '1'], name);
    w.stderr!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/^done {4}queued\/(\S+)/gm)) doneLines.set(m[1]!, (doneLines.get(m[1]!) ?? 0) + 1);
    });
    workers.push(w);
    return w;
  };
  const a = startWorker('a');
  startWorker('b');
  let aBusy = false;
  a.stderr!.on('data', (d: Buffer) => {
    aBusy ||= /^start /m.test(d.toString());
  });
  await until('worker a to start a search', () => aBusy, 120_000);
  await new Promise((r) => setTimeout(r, 4000));
  log('killing worker a with SIGKILL mid-search; worker c takes its place');
  await stopProcess(a, 'SIGKILL');
  startWorker('c');
  await until('a completed job', async () => Object.values((await queueState({ sweep, redis: url })).jobs).some((j) => j.status === 'completed'), 300_000);
  log('restarting Redis');
  await stopProcess(redis);
  redis = await startRedis(port, dir);
  await until(
    'every job to end',
    async () => Object.values((await queueState({ sweep, redis: url })).jobs).every((j) => j.status === 'completed' || j.status === 'failed'),
    900_000,
  );
  const state = await queueState({ sweep, redis: url });
  const jobs = sweep.jobs.map((j) => state.jobs[j.id]!);
  const identical = sweep.jobs.every((job) => {
    const ref = join(dir, 'reference', job.id);
    const best = (d: string) => JSON.stringify(JSON.parse(readFileSync(join(d, 'result.json'), 'utf8')).best);
    return JSON.stringify(numbers(job.runDir)) === JSON.stringify(numbers(ref)) && best(job.runDir) === best(ref);
  });
  const summary = {
    jobs: jobs.length,
    completed: jobs.filter((j) => j.status === 'completed').length,
    failed: jobs.filter((j) => j.status === 'failed').length,
    retried: jobs.filter((j) => j.attempts > 1).length,
    lost: jobs.filter((j) => j.status !== 'completed' && j.status !== 'failed').length,
    completedTwice: [...doneLines.values()].filter((n) => n > 1).length,
    identicalToUninterrupted: identical,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = summary.lost === 0 && summary.completedTwice === 0 && identical && summary.failed === 0 ? 0 : 1;
} finally {
  for (const w of workers) await stopProcess(w, 'SIGINT');
  if (redis !== undefined) await stopProcess(redis);
  rmSync(dir, { recursive: true, force: true });
}
