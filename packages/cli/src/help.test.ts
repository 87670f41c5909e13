import { describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './run.js';

describe('asng help', () => {
  for (const name of ['search', 'resume', 'retrain', 'evaluate', 'export', 'report', 'data', 'spaces']) {
    it(`asng ${name} --help prints the command's usage and options to stdout`, async () => {
      const { io, stdout, stderr } = bufferedIo();
      expect(await runCli([name, '--help'], io)).toBe(0);
      const command = COMMANDS.find((c) => c.name === name)!;
      expect(stdout()).toContain(`usage: asng ${name} ${command.synopsis}`);
      for (const option of command.options) expect(stdout()).toContain(`--${option.name}`);
      expect(stderr()).toBe('');
    });
  }

  it('shows the help even when other arguments are wrong', async () => {
    const { io, stdout } = bufferedIo();
    expect(await runCli(['search', 'inpainting', '--colour', 'red', '--help'], io)).toBe(0);
    expect(stdout()).toContain('usage: asng search');
    expect(stdout()).not.toContain('Space inpainting');
  });

  it('asng --help and asng help list every command; asng alone is a usage error', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const { io, stdout } = bufferedIo();
      expect(await runCli(argv, io)).toBe(0);
      for (const command of COMMANDS) expect(stdout()).toContain(`  ${command.name} `);
      expect(stdout()).toContain('asng retrain options:');
    }
    const { io, stdout } = bufferedIo();
    expect(await runCli([], io)).toBe(2);
    expect(stdout()).toContain('usage: asng <command>');
  });

  it("asng search --space inpainting --help adds the space's options, from its descriptor", async () => {
    for (const argv of [
      ['search', '--space', 'inpainting', '--help'],
      ['search', 'inpainting', '--help'],
      ['search', '--space=inpainting', '-h'],
      ['search', '--space', 'inpainting', '--epochs', 'x', '--help'],
    ]) {
      const { io, stdout } = bufferedIo();
      expect(await runCli(argv, io)).toBe(0);
      expect(stdout()).toContain("Space inpainting: the paper's convolutional-autoencoder space");
      expect(stdout()).toMatch(
        /mask=center\|random-pixel\|random-half +the corruption of the inputs \(one of center, random-pixel, random-half; default center\)/,
      );
      expect(stdout()).toContain('kernelSizes=N,N,...');
    }
  });

  it('asng spaces lists the built-in spaces with their options; --json gives the schemas', async () => {
    const { io, stdout } = bufferedIo();
    expect(await runCli(['spaces'], io)).toBe(0);
    expect(stdout()).toContain('Space image-classification:');
    expect(stdout()).toMatch(/channels=N +channels of the first cells \(an integer >= 1; default 16; the width of --param-budget\)/);
    expect(stdout()).toContain('Space inpainting:');
    const json = bufferedIo();
    expect(await runCli(['spaces', 'image-classification', '--json'], json.io)).toBe(0);
    const [entry] = json.lastJson<any[]>();
    expect(entry).toMatchObject({
      name: 'image-classification',
      width: { option: 'channels', step: 1 },
      options: { cells: { kind: 'integer', min: 1, default: 8 } },
    });
  });
});

describe('arguments are checked once, at the CLI, naming the option (exit code 2)', () => {
  const cases: [string[], RegExp][] = [
    [['search', '--lr', '0'], /^asng: --lr: expected a number > 0, got "0"/],
    [['search', '--parameter-penalty', '-0.5'], /^asng: --parameter-penalty: expected a number >= 0, got "-0.5"/],
    [
      ['search', '--run-dir', 'r', '--dataset', 'mnist', '--space', 'image-classification', '--freeze-weights'],
      /^asng: --freeze-weights: needs --warmup-steps >= 1/,
    ],
    [['search', '--checkpoint-minutes', '0'], /^asng: --checkpoint-minutes: expected a number > 0, got "0"/],
    [['search', '--epochs', '0x2'], /^asng: --epochs: expected an integer >= 1, got "0x2"/],
    [['search', '--seed', '1e400'], /^asng: --seed: expected an integer, got "1e400"/],
    [['search', '--lr', 'Infinity'], /^asng: --lr: expected a number > 0, got "Infinity"/],
    [['search', '--lambda', '100000'], /^asng: --lambda: expected at most 1000, got "100000"/],
    [['retrain', 'run', '--lr', '0.5', '--min-lr', '1'], /^asng: --min-lr \(1\) must not exceed --lr \(0.5\)/],
    [['retrain', 'run', '--decay-epochs', '0x3'], /^asng: --decay-epochs: expected comma-separated positive numbers, got "0x3"/],
    [
      ['search', '--run-dir', 'r', '--dataset', 'mnist', '--space', 'image-classification', '--space-option', 'cells=0x2'],
      /^asng: --space-option cells: expected an integer >= 1, got "0x2"/,
    ],
    [
      ['search', '--run-dir', 'r', '--dataset', 'mnist', '--space', 'inpainting', '--space-option', 'depth=3'],
      /^asng: --space-option depth: not an option of 'inpainting'; accepted: encoding, nodes, levelBack, kernelSizes, channels, mask/,
    ],
    [
      ['search', '--run-dir', 'r', '--dataset', 'mnist', '--space', 'inpainting', '--space-option', 'kernelSizes=2,3'],
      /^asng: --space-option: inpainting rejected its options: createInpaintingSpace: kernelSizes must be distinct odd positive integers, got \[2, 3\]/,
    ],
  ];
  for (const [argv, message] of cases) {
    it(`asng ${argv.join(' ')}`, async () => {
      const { io, stderr } = bufferedIo();
      expect(await runCli(argv, io)).toBe(2);
      expect(stderr()).toMatch(message);
      expect(stderr()).toContain(`Run 'asng ${argv[0]} --help' for the options.`);
    });
  }
});
