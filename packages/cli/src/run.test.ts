import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args.js';
import { formatDuration } from './progress.js';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

const capture = () => bufferedIo();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('asng argument errors', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command "frobnicate"; accepted: search, resume, retrain, evaluate, export, report, data/],
    [['search', '--optimizer', 'adam'], /--optimizer: expected one of asng, sng, got "adam"/],
    [['search', '--epochs', 'ten'], /--epochs: expected an integer >= 1, got "ten"/],
    [['search', '--batch-size', '0'], /--batch-size: expected an integer >= 1, got "0"/],
    [['search', '--backend', 'tpu'], /--backend: expected one of auto, node-gpu, node, wasm, webgpu, cpu, got "tpu"/],
    [
      ['search', '--dataset', 'imagenet'],
      /--dataset: expected one of fashion-mnist-subset, fashion-mnist, mnist, cifar10, celeba, image-folder, got "imagenet"/,
    ],
    [['search', '--colour', 'red'], /unknown option --colour for 'asng search'; accepted: --space, /],
    [['search', '--space', 'x.js', '--dataset', 'mnist'], /--run-dir is required/],
    [['search', '--run-dir', 'r', '--dataset', 'mnist'], /--space is required/],
    [
      ['search', '--run-dir', 'r', '--space', 'nope', '--dataset', 'mnist'],
      /--space: unknown search space "nope"; accepted: image-classification, inpainting, <path of a module exporting a search space>/,
    ],
    [['search', '--run-dir', 'r', '--space', 'x.js', '--dataset', 'mnist', '--space-option', 'depth'], /--space-option: expected key=value, got "depth"/],
    [['search', '--lr'], /--lr: expected a number > 0, got nothing/],
    [['resume'], /'asng resume' takes one run directory, got 0/],
    [['report', 'a', 'b'], /'asng report' takes one run directory, got 2/],
    [['retrain'], /'asng retrain' takes one run directory, got 0/],
    [['retrain', 'r', '--epochs', '0'], /--epochs: expected an integer >= 1, got "0"/],
  ];
  for (const [argv, message] of cases) {
    it(`asng ${argv.join(' ')}`, async () => {
      const { io, stderr } = capture();
      expect(await runCli(argv, io)).toBe(2);
      expect(stderr()).toMatch(message);
    });
  }

  it('a missing space module is a usage error naming it', async () => {
    const { io, stderr } = capture();
    expect(await runCli(['search', '--run-dir', 'r', '--space', './missing-space.js', '--dataset', 'mnist'], io)).toBe(2);
    expect(stderr()).toMatch(/--space: cannot load "\/.*\/missing-space\.js"/);
  });

  it('a run directory that cannot be made fails at once, naming it (under /proc Node would spin forever)', async () => {
    const { io, stderr } = capture();
    const started = Date.now();
    expect(
      await runCli(
        ['search', '--run-dir', '/proc/asng-run', '--space', 'image-classification', '--dataset', 'fashion-mnist-subset', '--steps', '1', '--quiet'],
        io,
      ),
    ).toBe(1);
    expect(stderr()).toContain('/proc/asng-run');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('prints usage on help', async () => {
    const { io, stdout } = capture();
    expect(await runCli(['help'], io)).toBe(0);
    expect(stdout()).toContain('asng search options:');
  });

  it('parses repeatable and = forms', () => {
    const specs = [
      { name: 'space-option', type: 'list', description: '' },
      { name: 'seed', type: 'integer', description: '' },
    ] as const;
    expect(parseArgs(['--space-option', 'a=1', '--space-option=b=x', '--seed=3', 'pos'], specs, 't')).toEqual({
      positionals: ['pos'],
      values: { 'space-option': ['a=1', 'b=x'], seed: 3 },
    });
    expect(() => parseArgs(['--json=1'], [{ name: 'json', type: 'boolean', description: '' }], 't')).toThrow(UsageError);
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('--');
  });
});

describe('asng report', () => {
  it('writes a self-contained page from a run directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-report-'));
    dirs.push(dir);
    const beliefs = (p: number) => [
      { kind: 'categorical', name: 'op', choices: ['conv', 'pool'], probabilities: [p, 1 - p] },
      { kind: 'integer', name: 'width', mean: 4 + p, std: 1 - p / 2 },
    ];
    const lines = [
      ...Array.from({ length: 6 }, (_, i) => ({
        type: 'step',
        step: i + 1,
        totalSteps: 6,
        epoch: Math.floor(i / 3),
        learningRate: 0.1 / (i + 1),
        trainLoss: 2 - i * 0.2,
        validationLosses: [2.1 - i * 0.2, 2.2 - i * 0.2],
        gradientNorm: 1,
        optimizer: { delta: 1, convergence: 0.5 + i * 0.05 },
        imagesPerSecond: 100,
        seconds: i,
      })),
      { type: 'epoch', epoch: 0, step: 3, best: { op: 'conv', width: 4 }, metrics: { accuracy: 0.5 }, beliefs: beliefs(0.5), seconds: 3 },
      { type: 'epoch', epoch: 1, step: 6, best: { op: 'conv', width: 5 }, metrics: { accuracy: 0.7 }, beliefs: beliefs(0.9), seconds: 6 },
    ];
    writeFileSync(join(dir, 'log.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ space: 'toy', config: { seed: 1 } }));
    const { io, lastJson } = capture();
    expect(await runCli(['report', dir, '--json'], io)).toBe(0);
    const { report } = lastJson<any>();
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('Probability of each choice');
    expect(html).toContain('op = pool, epoch 1: 0.100');
    expect(html).toContain('width: mean of the search distribution');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).not.toContain('Found against others');

    // With a comparison: its table, the found row highlighted; a damaged one names its field.
    const comparison = {
      metric: 'test accuracy',
      higherIsBetter: true,
      protocol: 'both retrained alike',
      entries: [
        { label: 'found', value: 0.8612, parameters: 30000, found: true },
        { label: 'random (seed 2)', value: 0.8421, parameters: 29800 },
      ],
    };
    writeFileSync(join(dir, 'comparison.json'), JSON.stringify(comparison));
    expect(await runCli(['report', dir], capture().io)).toBe(0);
    const withComparison = readFileSync(report, 'utf8');
    expect(withComparison).toContain('Found against others');
    expect(withComparison).toContain('<tr class="found"><th>found</th><td>0.8612</td><td>30,000</td></tr>');
    expect(withComparison).toContain('<th>random (seed 2)</th><td>0.8421</td>');
    writeFileSync(join(dir, 'comparison.json'), JSON.stringify({ ...comparison, entries: [{ label: 'found', value: '0.86', parameters: 1 }] }));
    const damaged = capture();
    expect(await runCli(['report', dir], damaged.io)).toBe(1);
    expect(damaged.stderr()).toContain(`${join(dir, 'comparison.json')}: entries[0]: expected { label: string, value: number, parameters: number }`);
  });

  it('names a directory that is not a run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-report-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'x'));
    const { io, stderr } = capture();
    expect(await runCli(['report', join(dir, 'x')], io)).toBe(1);
    expect(stderr()).toMatch(/log.jsonl: missing; is .* a search run directory\?/);
  });
});

describe('damaged run files', () => {
  it('a run record that is not JSON is an error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asng-damaged-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'cli.json'), '{"space": ');
    const { io, stderr } = capture();
    expect(await runCli(['resume', dir], io)).toBe(1);
    expect(stderr()).toContain(`${join(dir, 'cli.json')}: not JSON`);
  });
});
