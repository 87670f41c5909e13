/**
 * The toy problem of the ASNG-NAS paper.
 *   npm run -s toy -- [--seed S] [--optimizer asng|sng] [--iterations N] [--dimensions D] [--choices K] [--json]
 * With --json, prints {"converged", "iterations", "bestLoss", "seconds"} as the last line.
 */
import { runToy, type ToyOptions } from './toy.js';

const usage = 'usage: npm run -s toy -- [--seed S] [--optimizer asng|sng] [--iterations N] [--dimensions D] [--choices K] [--json]';

function parse(argv: readonly string[]): ToyOptions & { json: boolean } {
  const options: Record<string, unknown> = { json: false };
  const integers: Record<string, string> = {
    '--seed': 'seed',
    '--iterations': 'iterations',
    '--dimensions': 'dimensions',
    '--choices': 'choices',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else if (arg === '--optimizer') {
      const value = argv[++i];
      if (value !== 'asng' && value !== 'sng') fail(`--optimizer: expected 'asng' or 'sng', got ${JSON.stringify(value)}`);
      options.optimizer = value;
    } else if (arg in integers) {
      const value = argv[++i];
      const n = Number(value);
      if (value === undefined || !Number.isSafeInteger(n)) fail(`${arg}: expected an integer, got ${JSON.stringify(value)}`);
      options[integers[arg]!] = n;
    } else fail(`unknown argument ${JSON.stringify(arg)}`);
  }
  return options as unknown as ToyOptions & { json: boolean };
}

function fail(message: string): never {
  console.error(`toy: ${message}\n${usage}`);
  process.exit(2);
}

const { json, ...options } = parse(process.argv.slice(2));
const optimizer = options.optimizer ?? 'asng';
if (!json) {
  console.log(`toy problem: D=${options.dimensions ?? 30}, K=${options.choices ?? 5}, optimizer=${optimizer}, seed=${options.seed ?? 0}`);
}
let result: ReturnType<typeof runToy>;
try {
  result = runToy({
    ...options,
    ...(json
      ? {}
      : {
          onProgress: (p) =>
            console.log(
              `iteration ${String(p.iteration).padStart(6)}  best loss ${p.bestLoss.toFixed(4)}  convergence ${p.convergence.toFixed(3)}  delta ${p.delta.toExponential(2)}`,
            ),
        }),
  });
} catch (error) {
  fail((error as Error).message);
}
if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `${result.converged ? 'converged' : 'did not converge'} after ${result.iterations} iterations: best loss ${result.bestLoss.toFixed(4)} in ${result.seconds.toFixed(3)} s (${((result.seconds / result.iterations) * 1e6).toFixed(1)} us per iteration)`,
  );
}
