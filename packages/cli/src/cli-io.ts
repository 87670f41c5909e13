/** Where the CLI writes, and what it can use of its process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bar redrawn in place). @default false */
  readonly tty?: boolean;
  /** Aborted on Ctrl-C: the search stops after the current step and writes a checkpoint. */
  readonly signal?: AbortSignal;
  /** Working directory for relative paths. @default process.cwd() */
  readonly cwd?: string;
  /**
   * How `asng sweep run` starts `asng` in its child processes, for example
   * `[process.execPath, '/path/to/bin/asng.js']`. @default this process's own
   * entry point when it is the asng CLI, else the installed `bin/asng.js`
   */
  readonly asngCommand?: readonly string[];
  /** Selects the tfjs backend; the default loads `@asng/backend-select`. */
  readonly selectBackend?: (backend: string, threads: number | 'auto') => Promise<{ backend: string; reason: string }>;
}
