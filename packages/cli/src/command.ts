import type { CliIo } from './cli-io.js';
import type { OptionSpec, ParsedArgs } from './args.js';

/**
 * One command of the `asng` CLI: its name, what it does, its options, and
 * what runs it. The usage and help texts are generated from these entries.
 */
export interface Command {
  /** As typed after `asng`, for example `'search'`. */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The arguments after `asng <name>`, for example `'RUN_DIR [--out FILE]'`. */
  readonly synopsis: string;
  /** The options it accepts; the arguments are parsed against them before `run`. */
  readonly options: readonly OptionSpec[];
  /**
   * Runs the command on its parsed arguments (`argv` is what followed the
   * command's name); returns the exit code. Throws a `UsageError` for a bad
   * argument (exit code 2) and any other error for a failure (exit code 1).
   */
  run(args: ParsedArgs & { readonly argv: readonly string[] }, io: CliIo): Promise<number>;
  /**
   * Whether the command reads its own arguments (`asng data`): `run` then
   * gets `argv` unparsed, and `options` only serve the help text.
   */
  readonly ownArguments?: boolean;
}

/** The options every command that computes accepts: backend, output format. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'backend', type: 'string', values: ['auto', 'node-gpu', 'node', 'wasm', 'webgpu', 'cpu'], description: 'tfjs backend (auto: the fastest available)' },
  { name: 'threads', type: 'integer', min: 1, placeholder: 'N', description: 'threads of the wasm backend (default: all cores, at most 8)' },
  { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
  { name: 'quiet', type: 'boolean', description: 'no progress' },
];
