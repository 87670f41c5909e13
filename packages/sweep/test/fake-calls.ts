import { existsSync, readFileSync } from 'node:fs';

/** One call of test/fake-asng.mjs, as it appends it to $FAKE_ASNG_CALLS. */
export interface FakeCall {
  readonly t: number;
  readonly event: 'start' | 'end';
  readonly argv: string[];
  readonly code?: number;
  readonly ppid: number;
}

/**
 * The fake CLI's calls recorded in `path`, in order: its complete lines only,
 * since a test may poll the file while a process is appending to it or has
 * just created it.
 */
export function fakeCalls(path: string): FakeCall[] {
  if (!existsSync(path)) return [];
  // The last piece is '' after a complete line, or a line still being written.
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as FakeCall);
}
