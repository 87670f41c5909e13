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
  /** Selects the tfjs backend; the default loads `@asng/backend-select`. */
  readonly selectBackend?: (backend: string, threads: number | 'auto') => Promise<{ backend: string; reason: string }>;
}
