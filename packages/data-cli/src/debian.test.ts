import { describe, expect, it } from 'vitest';
import { runDataCli } from './run.js';

// Needs `apt-get install dataset-fashion-mnist`; opt in with ASNG_SLOW=1.
describe.skipIf(process.env.ASNG_SLOW !== '1')('asng-data with the Debian Fashion-MNIST (slow)', () => {
  it('info fashion-mnist --json reports the full set found in /usr/share/datasets', async () => {
    let stdout = '';
    const code = await runDataCli(['info', 'fashion-mnist', '--json', '--no-download', '--cache-dir', '/nonexistent-asng-cache'], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      name: 'fashion-mnist',
      train: 60000,
      test: 10000,
      shape: [28, 28, 1],
      classes: 10,
      source: '/usr/share/datasets/fashion-mnist',
    });
  });
});
