import { spawn, type ChildProcess } from 'node:child_process';

/** How an `asng` child process ended. */
export interface AsngOutcome {
  /** Its exit code; `null` when a signal ended it; 127 when it could not start (as a shell says). */
  readonly code: number | null;
  /** The last line of its stdout parsed as JSON (`--json`), when it is JSON. */
  readonly result: unknown;
  /** The end of its error output (or why it could not start): what a failure says. */
  readonly error: string;
}

/**
 * Runs one `asng` command (`asng` is the command that starts the CLI, `argv`
 * its arguments) as a child process that stops, checkpointing, if this
 * process dies (`ASNG_EXIT_WITH_PARENT`). `onSpawn` receives the child, to
 * interrupt it with SIGINT.
 */
export function runAsng(asng: readonly string[], argv: readonly string[], onSpawn?: (child: ChildProcess) => void): Promise<AsngOutcome> {
  return new Promise((resolve) => {
    const child = spawn(asng[0]!, [...asng.slice(1), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ASNG_EXIT_WITH_PARENT: String(process.pid) },
    });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      // Only the end matters: the error.
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let ended = false;
    const end = (code: number | null, spawnError?: Error) => {
      if (ended) return;
      ended = true;
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let result: unknown;
      try {
        result = last === '' ? undefined : JSON.parse(last);
      } catch {
        result = undefined;
      }
      const error = (spawnError?.message ?? stderr.trim()) || `exited with ${code === null ? 'a signal' : `code ${code}`} and no error output`;
      resolve({ code, result, error });
    };
    child.on('error', (e) => end(127, e));
    child.on('close', (code) => end(code));
  });
}
