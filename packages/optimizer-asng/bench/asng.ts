/**
 * Times ask(2) + tell for the classification search space's 40 categorical
 * variables and prints `{"usPerIteration": x}` as its last line.
 * Usage: npm run -s bench:asng [-- --iterations N]
 */
import { categorical, Rng } from '@asng/core';
import { createAsng } from '../src/index.js';

const cell = [2, 2, 5, 5, 3, 3, 5, 5, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5];
const variables = ['normal', 'reduce'].flatMap((type) =>
  cell.map((k, i) =>
    categorical(
      `${type}.${i}`,
      Array.from({ length: k }, (_, j) => j),
    ),
  ),
);

const arg = process.argv.indexOf('--iterations');
const iterations = arg >= 0 ? Number(process.argv[arg + 1]) : 200_000;
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error(`--iterations: expected a positive integer, got ${process.argv[arg + 1]}`);
  process.exit(2);
}

/** Wall-clock and CPU microseconds per iteration. */
function run(count: number, seed: number): { wall: number; cpu: number } {
  const optimizer = createAsng({ variables, seed });
  const noise = new Rng(seed + 1);
  const losses = new Float64Array(2);
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let t = 0; t < count; t++) {
    const candidates = optimizer.ask();
    losses[0] = noise.uniform();
    losses[1] = noise.uniform();
    optimizer.tell(candidates, losses);
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / count;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / count };
}

run(Math.min(20_000, iterations), 1); // warm-up: let the JIT compile the hot paths
// The median of three runs; CPU time is reported too, since a busy machine inflates wall time.
const runs = [run(iterations, 2), run(iterations, 3), run(iterations, 4)].sort((a, b) => a.wall - b.wall);
const median = runs[1]!;
console.log(
  JSON.stringify({
    usPerIteration: median.wall,
    cpuUsPerIteration: median.cpu,
    iterations,
    wallRuns: runs.map((r) => r.wall),
  }),
);
