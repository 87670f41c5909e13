import type { CliIo } from './run.js';

/** What {@link bufferedIo} returns: the `io` to pass to `runCli`, and what it collected. */
export interface BufferedIo {
  /** Pass to `runCli(argv, io)`. */
  readonly io: CliIo;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /**
   * The last line of stdout parsed as JSON (commands run with `--json` print
   * their result there). Throws, quoting the line, when it is not JSON.
   */
  lastJson<T = unknown>(): T;
}

/**
 * A {@link CliIo} that keeps stdout and stderr in memory instead of printing
 * them: for running the CLI inside a program (or a test) and reading its
 * `--json` result. `options` are passed through to the io (`cwd`,
 * `selectBackend`, `signal`, `tty`).
 *
 * @example
 * ```ts // not runnable
 * import { bufferedIo, runCli } from '@asng/cli';
 * const captured = bufferedIo({ cwd: '/tmp' });
 * const code = await runCli(['search', '--epochs', '1', '--json'], captured.io);
 * const result = captured.lastJson() as { runDir: string };
 * ```
 */
export function bufferedIo(options: Omit<CliIo, 'stdout' | 'stderr'> = {}): BufferedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { ...options, stdout: (text) => out.push(text), stderr: (text) => err.push(text) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    lastJson<T = unknown>(): T {
      const line = out.join('').trim().split('\n').at(-1) ?? '';
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`the last line of stdout is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
      }
    },
  };
}
