import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeCalls } from '../test/fake-calls.js';
import { jobArgv, runSweepLocally, type SweepEvent } from './local-runner.js';
import { sweepComparisons } from './comparison.js';
import { readSweepFile, SweepFileError } from './sweep-file.js';
import { readSweepState, statePath, writeSweepState } from './sweep-state.js';

const fake = fileURLToPath(new URL('../test/fake-asng.mjs', import.meta.url));
const dirs: string[] = [];
function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'asng-sweep-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.FAKE_ASNG_CALLS;
});

const YAML = `# two seeds by two learning rates, each found architecture retrained
name: grid
jobs:
  - name: search
    command: search
    options:
      space: image-classification
      dataset: fashion-mnist-subset
      steps: 200
      space-option: [cells=3, channels=8]
    matrix:
      seed: [1, 2]
      lr: [0.025, 0.05]
  - name: retrain
    command: retrain
    after: search
    options: { epochs: 2 }
`;

/** The same sweep in JSON, its keys in another order. */
const JSON_TEXT = JSON.stringify({
  jobs: [
    {
      matrix: { seed: [1, 2], lr: [0.025, 0.05] },
      options: { 'space-option': ['cells=3', 'channels=8'], steps: 200, dataset: 'fashion-mnist-subset', space: 'image-classification' },
      command: 'search',
      name: 'search',
    },
    { after: 'search', options: { epochs: 2 }, command: 'retrain', name: 'retrain' },
  ],
  name: 'grid',
});

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const calls = fakeCalls;

describe('sweep files', () => {
  it('expands the product of the matrix, one dependent job per search, with ids that do not depend on the format or key order', () => {
    const dir = workDir();
    const yaml = readSweepFile(write(dir, 'grid.yaml', YAML));
    const json = readSweepFile(write(dir, 'grid.json', JSON_TEXT));
    expect(yaml.jobs.map((j) => j.id)).toEqual(json.jobs.map((j) => j.id));
    expect(yaml.runsDir).toBe(join(dir, 'grid'));
    expect(yaml.jobs).toHaveLength(8);
    const searches = yaml.jobs.filter((j) => j.command === 'search');
    expect(searches.map((j) => j.values)).toEqual([
      { seed: 1, lr: 0.025 },
      { seed: 1, lr: 0.05 },
      { seed: 2, lr: 0.025 },
      { seed: 2, lr: 0.05 },
    ]);
    expect(searches[1]!.id).toMatch(/^search-seed1-lr0\.05-[0-9a-f]{8}$/);
    expect(searches[1]!.argv).toEqual([
      'search',
      '--dataset',
      'fashion-mnist-subset',
      '--lr',
      '0.05',
      '--seed',
      '1',
      '--space',
      'image-classification',
      '--space-option',
      'cells=3',
      '--space-option',
      'channels=8',
      '--steps',
      '200',
      '--run-dir',
      join(dir, 'grid', searches[1]!.id),
    ]);
    const retrains = yaml.jobs.filter((j) => j.command === 'retrain');
    expect(retrains.map((j) => j.after)).toEqual(searches.map((j) => j.id));
    expect(retrains[0]!.argv).toEqual(['retrain', searches[0]!.runDir, '--epochs', '2']);
    // Another option value is another job.
    const other = readSweepFile(write(dir, 'other.yaml', YAML.replace('steps: 200', 'steps: 300')));
    expect(other.jobs[0]!.id).not.toBe(yaml.jobs[0]!.id);
  });

  it('expands a compare entry into the found and K random retrainings of each search, each into its own directory', () => {
    const dir = workDir();
    const text = (k: number) =>
      `name: cmp\njobs:\n  - {name: search, command: search, options: {space: image-classification}, matrix: {seed: [1, 2]}}\n  - {name: vs, command: compare, after: search, options: {random: ${k}, param-budget: 60000, epochs: 2}}\n`;
    const sweep = readSweepFile(write(dir, 'cmp.yaml', text(3)));
    expect(sweep.jobs).toHaveLength(2 + 2 * 4);
    const [search] = sweep.jobs;
    const group = sweep.jobs.filter((j) => j.comparison?.search === search!.id);
    expect(group.map((j) => j.comparison)).toEqual([
      { entry: 'vs', search: search!.id, role: 'found' },
      ...[1, 2, 3].map((index) => ({ entry: 'vs', search: search!.id, role: 'random', index })),
    ]);
    expect(group.every((j) => j.command === 'retrain' && j.after === search!.id)).toBe(true);
    expect(group[0]!.id).toMatch(/^vs-search-seed1-found-[0-9a-f]{8}$/);
    expect(group[0]!.argv).toEqual(['retrain', search!.runDir, '--epochs', '2', '--param-budget', '60000', '--out', join(search!.runDir, 'vs', 'found')]);
    expect(group[2]!.argv).toEqual([
      'retrain',
      search!.runDir,
      '--epochs',
      '2',
      '--param-budget',
      '60000',
      '--random-architecture',
      '2',
      '--out',
      join(search!.runDir, 'vs', 'random-2'),
    ]);
    // Raising K keeps the jobs already defined (and done) and adds new ones.
    const more = readSweepFile(write(dir, 'cmp.yaml', text(5)));
    expect(more.jobs.map((j) => j.id)).toEqual(expect.arrayContaining(sweep.jobs.map((j) => j.id)));
    expect(more.jobs).toHaveLength(2 + 2 * 6);
    // Five random architectures when the entry does not say.
    expect(readSweepFile(write(dir, 'cmp.yaml', text(3).replace('random: 3, ', ''))).jobs).toHaveLength(2 + 2 * 6);
  });

  it('names the file and the field of a bad definition', () => {
    const dir = workDir();
    const cases: [string, string][] = [
      ['name: x\njobs: []\n', 'jobs: expected a non-empty list of jobs'],
      ['name: "a b"\njobs: [{name: s, command: search}]\n', 'name: expected letters, digits'],
      ['name: x\njobs: [{name: s, command: train}]\n', 'jobs[0].command: expected one of search, retrain, evaluate, export, report, compare, got "train"'],
      ['name: x\njobs: [{name: s, command: search, matrix: {seed: []}}]\n', 'jobs[0].matrix.seed: expected a non-empty list of values'],
      ['name: x\njobs: [{name: s, command: search, matrix: {seed: [1, 1]}}]\n', 'jobs[0].matrix.seed: a value is listed twice'],
      ['name: x\njobs: [{name: s, command: search, options: {seed: 1}, matrix: {seed: [2]}}]\n', 'jobs[0].matrix.seed: also given in options'],
      ['name: x\njobs: [{name: s, command: search, options: {run-dir: /tmp/x}}]\n', 'jobs[0].options.run-dir: set by the sweep'],
      ['name: x\njobs: [{name: s, command: search, options: {lr: {a: 1}}}]\n', 'jobs[0].options.lr: expected a string, a number, true'],
      ['name: x\njobs: [{name: r, command: retrain}]\n', 'jobs[0].after: expected the name of a search entry'],
      ['name: x\njobs: [{name: r, command: retrain, after: s}, {name: s, command: search}]\n', 'jobs[0].after: "s" must come before "r"'],
      [
        'name: x\njobs: [{name: s, command: search}, {name: r, command: retrain, after: s, matrix: {epochs: [1, 2]}}]\n',
        'jobs[1].matrix: a retrain job after a search writes into its run directory',
      ],
      ['name: x\njobs: [{name: s, command: search}, {name: s, command: search}]\n', 'jobs[1].name: "s" is used twice'],
      ['name: x\nwho: me\njobs: [{name: s, command: search}]\n', 'who: unknown field'],
      ['name: x\njobs: [{name: s, command: search, after: t}]\n', 'jobs[0].after: a search starts a run'],
      ['name: [x\n', '(file): not valid YAML'],
      [
        'name: x\njobs: [{name: s, command: search}, {name: r, command: retrain, after: s, options: {random: 3}}]\n',
        'jobs[1].options.random: only a compare entry',
      ],
      [
        'name: x\njobs: [{name: s, command: search}, {name: c, command: compare, after: s, options: {random: 0}}]\n',
        'jobs[1].options.random: expected the number',
      ],
      [
        'name: x\njobs: [{name: s, command: search}, {name: c, command: compare, after: s, options: {random-architecture: 2}}]\n',
        'jobs[1].options.random-architecture: set by the sweep',
      ],
      ['name: x\njobs: [{name: c, command: compare}]\n', 'jobs[0].after: expected the name of a search entry'],
    ];
    for (const [text, message] of cases) {
      const path = write(dir, 'bad.yaml', text);
      expect(() => readSweepFile(path), text).toThrow(SweepFileError);
      expect(() => readSweepFile(path), text).toThrow(`${path}: ${message}`);
    }
    expect(() => readSweepFile(join(dir, 'missing.json'))).toThrow(`${join(dir, 'missing.json')}: (file): cannot be read`);
  });
});

describe('runSweepLocally', () => {
  const sweepOf = (dir: string, jobsYaml: string) => readSweepFile(write(dir, 's.yaml', `name: s\njobs:\n${jobsYaml}`));

  it('runs N jobs at once, a dependent job after its search, and skips completed jobs when run again', async () => {
    const dir = workDir();
    process.env.FAKE_ASNG_CALLS = join(dir, 'calls.jsonl');
    const sweep = sweepOf(
      dir,
      `  - {name: search, command: search, options: {sleep: 150}, matrix: {seed: [1, 2, 3, 4]}}
  - {name: evaluate, command: evaluate, after: search}
`,
    );
    const events: SweepEvent[] = [];
    const state = await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake], onEvent: (e) => events.push(e) });
    expect(sweep.jobs.map((j) => state.jobs[j.id]!.status)).toEqual(Array(8).fill('completed'));
    expect(Math.max(...events.filter((e) => e.type === 'start').map((e) => (e as { running: number }).running))).toBe(2);
    const log = calls(process.env.FAKE_ASNG_CALLS);
    // At most two at once, measured from the calls themselves.
    let open = 0;
    let most = 0;
    for (const c of log) {
      open += c.event === 'start' ? 1 : -1;
      most = Math.max(most, open);
    }
    expect(most).toBe(2);
    // Each evaluate starts after its search ended.
    for (const job of sweep.jobs.filter((j) => j.command === 'evaluate')) {
      const parentEnd = log.findIndex((c) => c.event === 'end' && c.argv.includes(join(sweep.runsDir, job.after!)));
      const start = log.findIndex((c) => c.event === 'start' && c.argv[0] === 'evaluate' && c.argv[1] === job.runDir);
      expect(start).toBeGreaterThan(parentEnd);
    }
    expect(state.jobs[sweep.jobs[0]!.id]!.result).toMatchObject({ command: 'search', metrics: { accuracy: 0.5 } });
    expect(JSON.parse(readFileSync(statePath(sweep), 'utf8'))).toEqual(state);
    // Again: nothing runs twice.
    const before = log.length;
    await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake] });
    expect(calls(process.env.FAKE_ASNG_CALLS)).toHaveLength(before);
  });

  it('runs a compare entry after its search and sets the found architecture against the random ones', async () => {
    const dir = workDir();
    const sweep = sweepOf(
      dir,
      '  - {name: search, command: search, matrix: {seed: [1]}}\n  - {name: vs, command: compare, after: search, options: {random: 4}}\n',
    );
    const empty = sweepComparisons(sweep, readSweepState(sweep));
    expect(empty).toMatchObject([{ entry: 'vs', jobs: 5, completed: 0, metrics: [] }]);
    const state = await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake] });
    expect(Object.values(state.jobs).map((j) => j.status)).toEqual(Array(6).fill('completed'));
    const [comparison] = sweepComparisons(sweep, state);
    expect(comparison).toMatchObject({ entry: 'vs', search: sweep.jobs[0]!.id, jobs: 5, completed: 5 });
    expect(comparison!.parameters).toEqual({ found: 1000, random: [1, 2, 3, 4].map((index) => ({ index, value: 1000 })) });
    const [accuracy, loss] = comparison!.metrics;
    // The fake's figures: found 0.835, random I 0.8 + I / 100.
    expect(accuracy).toMatchObject({ metric: 'accuracy', higherIsBetter: true, found: 0.835, foundRank: 2 });
    expect(accuracy!.random.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(accuracy!.randomMean).toBeCloseTo(0.825, 12);
    expect(accuracy!.randomStd).toBeCloseTo(Math.sqrt(0.000125), 12);
    expect(accuracy!.randomBest).toBeCloseTo(0.84, 12);
    // Ties share the better rank; a loss is better when lower.
    expect(loss).toMatchObject({ metric: 'loss', higherIsBetter: false, found: 0.5, foundRank: 1, randomBest: 0.5 });
  });

  it('marks a job that fails with its error, skips what depends on it, and retries it only when asked', async () => {
    const dir = workDir();
    process.env.FAKE_ASNG_CALLS = join(dir, 'calls.jsonl');
    const sweep = sweepOf(
      dir,
      `  - {name: search, command: search, matrix: {fail: [true, false]}}
  - {name: evaluate, command: evaluate, after: search}
`,
    );
    const events: SweepEvent[] = [];
    const state = await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake], onEvent: (e) => events.push(e) });
    const [failing, passing, blocked, fine] = sweep.jobs;
    expect(state.jobs[failing!.id]).toMatchObject({ status: 'failed', attempts: 1, exitCode: 1 });
    expect(state.jobs[failing!.id]!.error).toContain('config.learningRate: expected a positive number');
    expect(state.jobs[passing!.id]!.status).toBe('completed');
    expect(state.jobs[blocked!.id]!.status).toBe('pending');
    expect(state.jobs[fine!.id]!.status).toBe('completed');
    expect(events.filter((e) => e.type === 'skip').map((e) => e.job.id)).toEqual([blocked!.id]);
    const before = calls(process.env.FAKE_ASNG_CALLS).length;
    await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake] });
    expect(calls(process.env.FAKE_ASNG_CALLS)).toHaveLength(before);
    const retried = await runSweepLocally({ sweep, workers: 2, asng: [process.execPath, fake], retryFailed: true });
    expect(retried.jobs[failing!.id]).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('resumes a search that left a checkpoint, after an interruption or a killed runner', async () => {
    const dir = workDir();
    process.env.FAKE_ASNG_CALLS = join(dir, 'calls.jsonl');
    const sweep = sweepOf(dir, '  - {name: search, command: search, options: {checkpoint: true}, matrix: {seed: [1]}}\n');
    const [job] = sweep.jobs;
    // Stopped (exit 130) after writing its checkpoint: pending again, not failed.
    const first = await runSweepLocally({ sweep, asng: [process.execPath, fake] });
    expect(first.jobs[job!.id]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(jobArgv(job!)).toEqual(['resume', job!.runDir]);
    // A runner killed while the job ran leaves it 'running' in the state: the next run resumes it.
    writeSweepState(sweep, { ...readSweepState(sweep), jobs: { [job!.id]: { status: 'running', attempts: 1, worker: 'local' } } });
    const second = await runSweepLocally({ sweep, asng: [process.execPath, fake] });
    expect(second.jobs[job!.id]).toMatchObject({ status: 'completed', attempts: 2 });
    expect(
      calls(process.env.FAKE_ASNG_CALLS)
        .filter((c) => c.event === 'start')
        .map((c) => c.argv[0]),
    ).toEqual(['search', 'resume']);
  });

  it('stops on abort: running jobs get SIGINT and stay pending, nothing new starts', async () => {
    const dir = workDir();
    process.env.FAKE_ASNG_CALLS = join(dir, 'calls.jsonl');
    const sweep = sweepOf(dir, '  - {name: search, command: search, options: {sleep: 5000}, matrix: {seed: [1, 2, 3]}}\n');
    const controller = new AbortController();
    const state = await runSweepLocally({
      sweep,
      workers: 2,
      asng: [process.execPath, fake],
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'start' || e.running !== 2) return;
        // Once both processes are up (their SIGINT handler set), stop.
        const poll = setInterval(() => {
          if (calls(process.env.FAKE_ASNG_CALLS!).filter((c) => c.event === 'start').length === 2) {
            clearInterval(poll);
            setTimeout(() => controller.abort(), 50);
          }
        }, 10);
      },
    });
    expect(sweep.jobs.map((j) => state.jobs[j.id]!.status)).toEqual(['pending', 'pending', 'pending']);
    expect(
      calls(process.env.FAKE_ASNG_CALLS)
        .filter((c) => c.event === 'end')
        .map((c) => c.code),
    ).toEqual([130, 130]);
  });

  it('refuses a state file of another sweep, naming it', () => {
    const dir = workDir();
    const sweep = sweepOf(dir, '  - {name: search, command: search}\n');
    mkdirSync(sweep.runsDir, { recursive: true });
    writeFileSync(statePath(sweep), JSON.stringify({ format: 'asng-sweep', version: 1, name: 'other', jobs: {} }));
    expect(() => readSweepState(sweep)).toThrow(`${statePath(sweep)}: holds sweep 'other', not 's'`);
    writeFileSync(statePath(sweep), '{');
    expect(() => readSweepState(sweep)).toThrow(`${statePath(sweep)}: not valid JSON`);
  });
});
