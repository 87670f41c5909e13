/**
 * Replays the reference vectors of the paper's code and prints, as its last
 * line, `{"steps": n, "maxRelError": x}` (plus the step-size and utility errors).
 * Exits with status 1 if any error exceeds 1e-6.
 */
import { replayVectors, vectorsDir } from '../test/replay.js';

const result = replayVectors();
const tolerance = 1e-6;
const worst = [...result.perStep].sort((a, b) => Math.max(...Object.values(b.errors)) - Math.max(...Object.values(a.errors)))[0];
if (!process.argv.includes('--quiet')) {
  console.log(`replayed ${result.steps} steps from ${vectorsDir}`);
  if (worst) console.log(`worst step: ${worst.file} run ${worst.run} step ${worst.step} ${JSON.stringify(worst.errors)}`);
}
console.log(
  JSON.stringify({
    steps: result.steps,
    maxRelError: result.maxRelError,
    maxStepSizeError: result.maxStepSizeError,
    utilityMaxError: result.utilityMaxError,
  }),
);
if (!(result.maxRelError <= tolerance && result.maxStepSizeError <= tolerance && result.utilityMaxError <= tolerance)) {
  process.exitCode = 1;
}
