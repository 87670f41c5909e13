import { optionsUsage, parseArgs, UsageError } from './args.js';
import type { CliIo } from './cli-io.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { workingDirectory } from './setup.js';
import { BUILT_IN_SPACES, loadSpaceModule, spaceHelp } from './spaces.js';

export type { CliIo } from './cli-io.js';

const HELP_FLAGS = ['--help', '-h'];

/** The help of one command, generated from its entry. */
const commandHelp = (command: Command): string =>
  `usage: asng ${command.name} ${command.synopsis}\n\n${command.summary}.\n\nOptions:\n${optionsUsage(command.options)}\n`;

/** The help of every command: the list, then each command's options. */
function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}:\n  ${''.padEnd(width)}    asng ${c.name} ${c.synopsis}`).join('\n');
  const options = COMMANDS.filter((c) => !c.ownArguments && c.options.length > 0)
    .map((c) => `asng ${c.name} options:\n${optionsUsage(c.options)}`)
    .join('\n\n');
  return (
    `usage: asng <command> [options]\n\nCommands:\n${list}\n\n${options}\n\n` +
    `Built-in spaces (or give the path of a module exporting one): ${BUILT_IN_SPACES.map((s) => s.name).join(', ')}\n` +
    `Run 'asng spaces' for their options, 'asng <command> --help' for one command.\n`
  );
}

/**
 * The space named in a command's arguments (`--space S`, `--space=S`, or
 * `asng search S`), so that `asng search --space inpainting --help` also shows
 * the space's options.
 */
function spaceArgument(command: Command, argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--space');
  if (at >= 0) return argv[at + 1];
  const inline = argv.find((a) => a.startsWith('--space='));
  if (inline !== undefined) return inline.slice('--space='.length);
  if (command.name !== 'search') return undefined;
  try {
    return parseArgs(
      argv.filter((a) => !HELP_FLAGS.includes(a)),
      command.options,
      'asng search',
    ).positionals[0];
  } catch (error) {
    // Help is shown whatever else is wrong with the arguments.
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}

async function help(command: Command, argv: readonly string[], io: CliIo): Promise<number> {
  let text = commandHelp(command);
  const space = command.options.some((o) => o.name === 'space') ? spaceArgument(command, argv) : undefined;
  if (space !== undefined) text += `\n${spaceHelp(await loadSpaceModule(space, workingDirectory(io)))}`;
  io.stdout(text);
  return 0;
}

/**
 * Runs the `asng` command line; returns the exit code: 0 success, 1 failure,
 * 2 usage error, 130 stopped by Ctrl-C (after a checkpoint).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || HELP_FLAGS.includes(name)) {
      io.stdout(usage());
      return name === undefined ? 2 : 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}; accepted: ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (rest.some((a) => HELP_FLAGS.includes(a))) return await help(command, rest, io);
    const parsed = command.ownArguments ? { positionals: [...rest], values: {} } : parseArgs(rest, command.options, `asng ${command.name}`);
    return await command.run({ ...parsed, argv: rest }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `asng: ${error.message}\nRun 'asng ${name !== undefined && COMMANDS.some((c) => c.name === name) ? `${name} --help` : 'help'}' for the options.\n`,
      );
      return 2;
    }
    io.stderr(`asng: ${(error as Error).message}\n`);
    return 1;
  }
}
