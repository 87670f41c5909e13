/**
 * Shared pieces of `bench:gpu` (scripts/bench-gpu.ts): the sizes it runs
 * with, progress logging, timing statistics, and what a part reports.
 */

/** The image shape of both parts: 32x32x3. */
export const shape = [32, 32, 3] as const;
/** The number of classes of both parts. */
export const classes = 10;

/** The sizes the benchmark runs with, from the command line. */
export interface BenchSizes {
  /** Timed iterations of each part. */
  iterations: number;
  /** Untimed iterations before them. */
  warmup: number;
  /** The training step's batch. */
  trainBatch: number;
  /** The supernet's cells. */
  cells: number;
  /** The supernet's channels. */
  channels: number;
  /** The search's batch. */
  searchBatch: number;
}

/** Writes one line of progress to stderr. */
export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Median, mean, min and max of `xs`, rounded to 4 decimals. */
export const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const round = (v: number) => Number(v.toFixed(4));
  return { median: round(median), mean: round(xs.reduce((a, b) => a + b, 0) / xs.length), min: round(s[0]!), max: round(s.at(-1)!) };
};

/** Kernel or gradient missing on the webgpu backend, from tfjs's error message. */
export function unsupportedFrom(error: unknown): string[] {
  const message = (error as Error)?.message ?? String(error);
  const found: string[] = [];
  for (const m of message.matchAll(/'(\w+)' not yet implemented or not found in the registry/g)) found.push(`kernel ${m[1]}`);
  for (const m of message.matchAll(/gradient function not found for (\w+)/g)) found.push(`gradient ${m[1]}`);
  for (const m of message.matchAll(/Kernel '(\w+)' not registered for backend/g)) found.push(`kernel ${m[1]}`);
  return found;
}

/** What one part of the benchmark gave: its timings, or why it failed. */
export interface PartResult {
  secondsPerStep?: ReturnType<typeof stats>;
  times?: number[];
  numTensors?: number[];
  error?: string;
  unsupported?: string[];
}
