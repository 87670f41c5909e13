import { describe, expect, it } from 'vitest';
import { bufferedIo } from './buffered-io.js';
import { runCli } from './run.js';

describe('bufferedIo', () => {
  it('collects what a command prints and parses its JSON result', async () => {
    const captured = bufferedIo({ cwd: '/nonexistent-dir-for-the-test' });
    captured.io.stdout('progress\n');
    captured.io.stdout('{"done":true}\n');
    captured.io.stderr('a warning\n');
    expect(captured.stdout()).toBe('progress\n{"done":true}\n');
    expect(captured.stderr()).toBe('a warning\n');
    expect(captured.lastJson()).toEqual({ done: true });
    expect(captured.io.cwd).toBe('/nonexistent-dir-for-the-test');
  });

  it('says what the last line was when it is not JSON', async () => {
    const captured = bufferedIo();
    expect(await runCli(['frobnicate'], captured.io)).not.toBe(0);
    expect(captured.stderr()).toMatch(/unknown command "frobnicate"/);
    expect(() => captured.lastJson()).toThrow(/the last line of stdout is not JSON: ""/);
  });
});
