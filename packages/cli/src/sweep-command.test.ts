import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

const root = mkdtempSync(join(tmpdir(), 'asng-sweep-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A stand-in for asng in the child processes: a search that fails when its seed is 3, else prints its JSON.
const fake = join(root, 'fake-asng.mjs');
writeFileSync(
  fake,
  `const argv = process.argv.slice(2);
if (argv[argv.indexOf('--seed') + 1] === '3') { process.stderr.write('asng: the validation loss is NaN\\n'); process.exit(1); }
const random = argv.indexOf('--random-architecture');
if (argv[0] === 'retrain') process.stdout.write(JSON.stringify({ test: { accuracy: random < 0 ? 0.9 : 0.8 + Number(argv[random + 1]) / 1000 }, trainableParameters: 500 }) + '\\n');
else process.stdout.write(JSON.stringify({ status: 'completed', metrics: { accuracy: 0.25 + argv.indexOf('--seed') / 100 } }) + '\\n');
`,
);
const io = () => {
  const captured = bufferedIo({ cwd: root });
  return { ...captured, io: { ...captured.io, asngCommand: [process.execPath, fake] } };
};

describe('asng sweep', () => {
  it('runs a sweep file with N workers, reports failures with exit 1, shows the status and writes the report', async () => {
    writeFileSync(
      join(root, 'seeds.yaml'),
      'name: seeds\njobs:\n  - name: search\n    command: search\n    options: {space: image-classification, dataset: fashion-mnist-subset}\n    matrix: {seed: [1, 2, 3]}\n',
    );
    const ran = io();
    expect(await runCli(['sweep', 'run', 'seeds.yaml', '--workers', '2', '--json'], ran.io)).toBe(1);
    expect(ran.lastJson()).toMatchObject({ sweep: 'seeds', runsDir: join(root, 'seeds'), jobs: 3, completed: 2, failed: 1 });
    expect(ran.stderr()).toMatch(/FAILED +search-seed3-[0-9a-f]{8} \(\d+ s\): asng: the validation loss is NaN \[2\/3 done\]/);
    const status = io();
    expect(await runCli(['sweep', 'status', 'seeds.yaml', '--json'], status.io)).toBe(0);
    expect(status.lastJson()).toMatchObject({ completed: 2, failed: 1 });
    const table = io();
    expect(await runCli(['sweep', 'status', 'seeds.yaml'], table.io)).toBe(0);
    expect(table.stdout()).toMatch(/search-seed1-\w+ +search +completed +1 +\d+ +accuracy 0\.\d+/);
    // A job that runs shows its worker and how far it has come.
    const state = JSON.parse(readFileSync(join(root, 'seeds', 'sweep.json'), 'utf8'));
    const firstId = Object.keys(state.jobs)[0]!;
    mkdirSync(join(root, 'seeds', firstId), { recursive: true });
    writeFileSync(join(root, 'seeds', firstId, 'log.jsonl'), '{"type":"step","step":12,"totalSteps":40}\n');
    writeFileSync(
      join(root, 'seeds', 'sweep.json'),
      JSON.stringify({ ...state, jobs: { ...state.jobs, [firstId]: { status: 'running', attempts: 2, worker: 'local' } } }),
    );
    const running = io();
    expect(await runCli(['sweep', 'status', 'seeds.yaml'], running.io)).toBe(0);
    expect(running.stdout()).toMatch(new RegExp(`${firstId} +search +running \\(local\\) +2 +- +step 12/40`));
    writeFileSync(join(root, 'seeds', 'sweep.json'), JSON.stringify(state));
    const report = io();
    expect(await runCli(['sweep', 'report', 'seeds.yaml', '--json'], report.io)).toBe(0);
    const html = readFileSync(join(root, 'seeds', 'sweep.html'), 'utf8');
    expect(html).toContain('<h1>Sweep seeds</h1>');
    expect(html).toMatch(/<tr class="failed"><td>search-seed3-/);
    // Run again: the two completed jobs are not run twice, the failed one stays failed.
    const again = io();
    expect(await runCli(['sweep', 'run', 'seeds.yaml', '--json'], again.io)).toBe(1);
    expect(again.stderr()).not.toContain('start   search-seed1');
  });

  it('reports a compare entry: the found architecture against the random ones, with its rank', async () => {
    writeFileSync(
      join(root, 'vs.yaml'),
      'name: vs\njobs:\n  - {name: search, command: search, options: {seed: 1}}\n  - {name: cmp, command: compare, after: search, options: {random: 3, epochs: 2}}\n',
    );
    const ran = io();
    expect(await runCli(['sweep', 'run', 'vs.yaml', '--workers', '2', '--json'], ran.io)).toBe(0);
    expect(ran.lastJson()).toMatchObject({ jobs: 5, completed: 5 });
    const report = io();
    expect(await runCli(['sweep', 'report', 'vs.yaml', '--json'], report.io)).toBe(0);
    const [comparison] = report.lastJson<any>().comparisons;
    expect(comparison).toMatchObject({ entry: 'cmp', jobs: 4, completed: 4, parameters: { found: 500 } });
    expect(comparison.metrics).toEqual([
      expect.objectContaining({ metric: 'accuracy', found: 0.9, foundRank: 1, random: [1, 2, 3].map((index) => ({ index, value: 0.8 + index / 1000 })) }),
    ]);
    const text = io();
    expect(await runCli(['sweep', 'report', 'vs.yaml'], text.io)).toBe(0);
    expect(text.stdout()).toMatch(
      /Found against random:\n.*\ncmp +search-\w+ +accuracy \(higher is better\) +0\.9000 +1 of 4 +0\.8020 ± 0\.0008 +0\.8030 +1: 0\.8010, 2: 0\.8020, 3: 0\.8030 +4\/4/,
    );
    expect(readFileSync(join(root, 'vs', 'sweep.html'), 'utf8')).toContain('<h2>Found against random</h2>');
  });

  it('names the bad field of a sweep file, and bad usage, with exit 2', async () => {
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ name: 'bad', jobs: [{ name: 's', command: 'serch' }] }));
    const cases: [string[], string][] = [
      [
        ['sweep', 'run', 'bad.json'],
        `${join(root, 'bad.json')}: jobs[0].command: expected one of search, retrain, evaluate, export, report, compare, got "serch"`,
      ],
      [['sweep', 'launch', 'bad.json'], '\'asng sweep\' takes run, submit, status or report, got "launch"'],
      [['sweep', 'submit', 'bad.json'], "--redis is required: 'asng sweep submit' queues the jobs"],
      [['sweep', 'submit', 'bad.json', '--redis', 'http://localhost'], '--redis: expected a redis:// URL, got "http://localhost"'],
      [['sweep', 'run', 'bad.json', '--redis', 'redis://localhost'], "--redis: 'asng sweep run' runs here, without a queue"],
      [['worker'], '--redis is required'],
      [['worker', '--redis', 'localhost:6379'], '--redis: expected a redis:// URL'],
      [['sweep', 'run'], "'asng sweep' needs a sweep file"],
      [['sweep', 'run', 'bad.json', '--workers', '0'], '--workers: expected an integer >= 1, got "0"'],
    ];
    for (const [argv, message] of cases) {
      const { io: cli, stderr } = io();
      expect(await runCli(argv, cli), argv.join(' ')).toBe(2);
      expect(stderr()).toContain(message);
    }
  });
});
