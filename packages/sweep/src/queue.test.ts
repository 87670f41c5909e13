import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCalls } from '../test/fake-calls.js';
import { QUEUE_NAME, queueJobId, queueState, redisConnection, startWorker, submitSweep, type WorkerEvent } from './queue.js';
import { readSweepFile } from './sweep-file.js';
import { freePort, hasRedisServer, startRedis, stopProcess as stop, until } from '../test/redis-server.js';

const hasRedis = hasRedisServer();
const fake = fileURLToPath(new URL('../test/fake-asng.mjs', import.meta.url));
const workerMain = fileURLToPath(new URL('../test/worker-main.ts', import.meta.url));
// tsx's loader in this very process (its CLI would start the worker in a child of its own).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

const calls = fakeCalls;

describe('redisConnection', () => {
  it('reads redis:// URLs and refuses others, naming the option', () => {
    expect(redisConnection('redis://:secret@db.example:6380/2')).toMatchObject({
      host: 'db.example',
      port: 6380,
      db: 2,
      password: 'secret',
      maxRetriesPerRequest: null,
    });
    expect(redisConnection('redis://localhost')).toMatchObject({ host: 'localhost', port: 6379, db: 0 });
    expect(() => redisConnection('http://localhost')).toThrow('--redis: expected a redis:// URL, got "http://localhost"');
    expect(() => redisConnection('localhost:6379')).toThrow('--redis: expected a redis:// URL');
  });
});

describe.skipIf(!hasRedis)('sweeps on BullMQ and Redis (redis-server from Debian)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asng-queue-'));
  let port = 0;
  let redis: ChildProcess;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port, dir);
  });
  afterAll(async () => {
    for (const w of workers) await stop(w, 'SIGKILL');
    await stop(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorkerProcess = (name: string): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--conditions=@asng/source', '--import', tsxLoader, workerMain, `redis://127.0.0.1:${port}`, fake, name, '2000'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FAKE_ASNG_CALLS: join(dir, 'calls.jsonl') },
      });
      workers.push(child);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code) => reject(new Error(`worker ${name} exited with ${code}: ${err}`)));
    });

  it(
    'runs a sweep on two workers through a worker killed mid-job and a Redis restart: nothing lost, nothing completed twice',
    { timeout: 120_000 },
    async () => {
      const file = join(dir, 'faults.yaml');
      writeFileSync(
        file,
        `name: faults\nruns: runs\njobs:\n  - {name: search, command: search, options: {sleep: 1500, early-checkpoint: true}, matrix: {seed: [1, 2, 3, 4]}}\n  - {name: evaluate, command: evaluate, after: search}\n  - {name: broken, command: search, options: {fail: true}}\n`,
      );
      const sweep = readSweepFile(file);
      const redisUrl = `redis://127.0.0.1:${port}`;
      expect(await submitSweep({ sweep, redis: redisUrl })).toEqual({ added: sweep.jobs.filter((j) => j.after === undefined).map((j) => j.id), existing: [] });
      // Submitted again: nothing is added twice.
      const again = await submitSweep({ sweep, redis: redisUrl });
      expect(again.added).toEqual([]);
      expect(again.existing).toHaveLength(5);

      const a = await startWorkerProcess('a');
      const b = await startWorkerProcess('b');
      const log = join(dir, 'calls.jsonl');
      // Kill worker a with SIGKILL while it runs a search.
      await until(
        'worker a to run a search',
        () => calls(log).some((c) => c.event === 'start' && c.ppid === a.pid && c.argv[0] === 'search' && !c.argv.includes('--fail')),
        30_000,
      );
      await stop(a, 'SIGKILL');
      // Restart Redis while the sweep goes on.
      await until('a first completed job', () => calls(log).some((c) => c.event === 'end' && c.code === 0), 30_000);
      await stop(redis);
      redis = await startRedis(port, dir);
      await until(
        'every job to complete or fail',
        async () => {
          const state = await queueState({ sweep, redis: redisUrl });
          return sweep.jobs.every((j) => state.jobs[j.id]!.status === 'completed' || state.jobs[j.id]!.status === 'failed');
        },
        90_000,
      );
      const state = await queueState({ sweep, redis: redisUrl });
      const broken = sweep.jobs.find((j) => j.template === 'broken')!;
      expect(state.jobs[broken.id]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(state.jobs[broken.id]!.error).toContain('config.learningRate: expected a positive number');
      for (const job of sweep.jobs.filter((j) => j !== broken)) expect(state.jobs[job.id]!.status, job.id).toBe('completed');
      expect(state.jobs[sweep.jobs[0]!.id]!.worker).toMatch(/^[ab]$/);
      // Each job completed exactly once; the killed search was resumed from its checkpoint.
      const completions = calls(log).filter((c) => c.event === 'end' && c.code === 0);
      const perRun = new Map<string, number>();
      for (const c of completions) {
        const key = `${c.argv[0] === 'resume' ? 'search' : c.argv[0]} ${c.argv[0] === 'search' ? c.argv[c.argv.indexOf('--run-dir') + 1] : c.argv[1]}`;
        perRun.set(key, (perRun.get(key) ?? 0) + 1);
      }
      expect([...perRun.values()]).toEqual(Array(8).fill(1));
      expect(calls(log).some((c) => c.event === 'start' && c.argv[0] === 'resume')).toBe(true);
      // The orphan of the killed worker stopped by itself (exit 130) rather than finishing the run.
      expect(calls(log).some((c) => c.event === 'end' && c.ppid === a.pid && c.code === 130)).toBe(true);
      await stop(b);
    },
  );

  it('a worker that loses the lock on its running job stops it; the job runs again from its checkpoint and completes once', { timeout: 60_000 }, async () => {
    const file = join(dir, 'lost.yaml');
    writeFileSync(file, 'name: lost\nruns: runs-lost\njobs:\n  - {name: search, command: search, options: {sleep: 4000, early-checkpoint: true}}\n');
    const sweep = readSweepFile(file);
    const redisUrl = `redis://127.0.0.1:${port}`;
    await submitSweep({ sweep, redis: redisUrl });
    const log = join(dir, 'lost-calls.jsonl');
    const saved = process.env['FAKE_ASNG_CALLS'];
    process.env['FAKE_ASNG_CALLS'] = log;
    const events: WorkerEvent[] = [];
    const worker = startWorker({ redis: redisUrl, asng: [process.execPath, fake], name: 'lost', lockDuration: 2000, onEvent: (e) => events.push(e) });
    try {
      await until('the job to start', () => events.some((e) => e.type === 'start'), 20_000);
      // As if the lock had expired (a long stall, a Redis outage): another client removes it.
      const del = spawnSync('redis-cli', ['-p', String(port), 'DEL', `bull:${QUEUE_NAME}:${queueJobId(sweep.name, sweep.jobs[0]!.id)}:lock`], {
        encoding: 'utf8',
      });
      expect(del.stdout.trim()).toBe('1');
      await until('the job to complete', () => events.some((e) => e.type === 'completed'), 40_000);
    } finally {
      await worker.close();
      if (saved === undefined) delete process.env['FAKE_ASNG_CALLS'];
      else process.env['FAKE_ASNG_CALLS'] = saved;
    }
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ retried: true, error: expect.stringMatching(/the lock on the job was lost/) });
    // The first run was stopped (exit 130) before it finished; the retry resumed it and finished once.
    const ends = calls(log).filter((c) => c.event === 'end');
    expect(ends.map((c) => c.code)).toEqual([130, 0]);
    expect(
      calls(log)
        .filter((c) => c.event === 'start')
        .map((c) => c.argv[0]),
    ).toEqual(['search', 'resume']);
    const state = await queueState({ sweep, redis: redisUrl });
    expect(state.jobs[sweep.jobs[0]!.id]).toMatchObject({ status: 'completed' });
  });

  it('a worker in this process stops cleanly: its running job goes back to the queue', { timeout: 60_000 }, async () => {
    const file = join(dir, 'stop.yaml');
    writeFileSync(file, 'name: stop\nruns: runs-stop\njobs:\n  - {name: search, command: search, options: {sleep: 20000}}\n');
    const sweep = readSweepFile(file);
    const redisUrl = `redis://127.0.0.1:${port}`;
    await submitSweep({ sweep, redis: redisUrl });
    let started = false;
    const worker = startWorker({
      redis: redisUrl,
      asng: [process.execPath, fake],
      name: 'local',
      lockDuration: 2000,
      onEvent: (e) => (started ||= e.type === 'start'),
    });
    await until('the job to start', () => started, 20_000);
    await worker.close();
    const state = await queueState({ sweep, redis: redisUrl });
    expect(state.jobs[sweep.jobs[0]!.id]).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
