import { categorical, Rng, type Optimizer, type Variable } from '@asng/core';
import { createAsng, createSng } from '@asng/optimizer-asng';

/** Settings of the toy problem (defaults: the paper's). */
export interface ToyOptions {
  /** Number of categorical variables `D`. @default 30 */
  readonly dimensions?: number;
  /** Number of choices `K` of each. @default 5 */
  readonly choices?: number;
  /** `'asng'` or `'sng'`. @default 'asng' */
  readonly optimizer?: 'asng' | 'sng';
  /** Iteration budget (also the period of the cosine learning-rate schedule). @default 100000 */
  readonly iterations?: number;
  /** Seed of every random choice. @default 0 */
  readonly seed?: number;
  /** Learning rate of SGD on `x`. @default 0.05 */
  readonly learningRate?: number;
  /** Momentum of SGD on `x`. @default 0.9 */
  readonly momentum?: number;
  /** Called every `progressEvery` iterations. */
  readonly onProgress?: (progress: ToyProgress) => void;
  /** @default 1000 */
  readonly progressEvery?: number;
}

/** Progress of a toy run. */
export interface ToyProgress {
  readonly iteration: number;
  /** Smallest noise-free loss seen in the iteration. */
  readonly bestLoss: number;
  /** Mean of the largest probability of each variable. */
  readonly convergence: number;
  /** Trust region of the next update. */
  readonly delta: number;
}

/** Result of a toy run. */
export interface ToyResult {
  /** Whether the noise-free loss reached the target `1/K`. */
  readonly converged: boolean;
  /** Iterations run. */
  readonly iterations: number;
  /** Smallest noise-free loss of the last iteration. */
  readonly bestLoss: number;
  /** Wall time of the optimisation loop, in seconds. */
  readonly seconds: number;
}

/** The variables of the toy problem: `D` categorical variables `c{d}` with choices `0 .. K-1`. */
export function toyVariables(dimensions: number, choices: number): Variable[] {
  return Array.from({ length: dimensions }, (_, d) =>
    categorical(
      `c${d}`,
      Array.from({ length: choices }, (_, k) => k),
    ),
  );
}

/**
 * Runs the toy problem of the paper: `f(x, c) = sum_d sum_k c_dk (k/K + (x_dk - t_d)^2)`
 * with fresh noise `t_d ~ N(0, 1) / K` at every evaluation (shared by the
 * samples evaluated together). Each iteration: `lambda` architectures, one SGD
 * step (momentum, cosine schedule) on `x` on their mean loss; then `lambda`
 * fresh architectures evaluated with the updated `x` go to `tell`. Stops when
 * the smallest noise-free loss `sum c_dk (k/K + x_dk^2)` of the iteration is at
 * most `1/K`.
 */
export function runToy(options: ToyOptions = {}): ToyResult {
  const D = options.dimensions ?? 30;
  const K = options.choices ?? 5;
  const budget = options.iterations ?? 100_000;
  const seed = options.seed ?? 0;
  const lr0 = options.learningRate ?? 0.05;
  const momentum = options.momentum ?? 0.9;
  const every = options.progressEvery ?? 1000;
  for (const [name, value, min] of [
    ['dimensions', D, 1],
    ['choices', K, 2],
    ['iterations', budget, 1],
    ['progressEvery', every, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
  }
  const rng = new Rng(seed);
  const variables = toyVariables(D, K);
  const optimizerRng = rng.fork();
  const optimizer: Optimizer = options.optimizer === 'sng' ? createSng({ variables, rng: optimizerRng }) : createAsng({ variables, rng: optimizerRng });
  const x = Float64Array.from({ length: D * K }, () => rng.normal());
  const velocity = new Float64Array(D * K);
  const grad = new Float64Array(D * K);
  const noise = new Float64Array(D);
  const target = 1 / K;
  const lambda = optimizer.populationSize;
  const choices = new Int32Array(lambda * D);
  const names = variables.map((v) => v.name);

  /** Writes the choices of the candidates, and returns the smallest noise-free loss among them. */
  const evaluate = (candidates: ReturnType<Optimizer['ask']>, losses: Float64Array): number => {
    for (let d = 0; d < D; d++) noise[d] = rng.normal() / K;
    let best = Infinity;
    candidates.forEach((candidate, i) => {
      let loss = 0;
      let clean = 0;
      for (let d = 0; d < D; d++) {
        const k = candidate.architecture[names[d]!] as number;
        choices[i * D + d] = k;
        const xv = x[d * K + k]!;
        const diff = xv - noise[d]!;
        loss += k / K + diff * diff;
        clean += k / K + xv * xv;
      }
      losses[i] = loss;
      best = Math.min(best, clean);
    });
    return best;
  };

  const losses = new Float64Array(lambda);
  let bestLoss = Infinity;
  let t = 1;
  const start = process.hrtime.bigint();
  for (; t <= budget; t++) {
    const lr = (lr0 * (1 + Math.cos((Math.PI * t) / budget))) / 2;
    const first = optimizer.ask();
    bestLoss = evaluate(first, losses);
    // Gradient of the mean loss over the candidates: 2 c_dk (x_dk - t_d) / lambda.
    grad.fill(0);
    for (let i = 0; i < lambda; i++) {
      for (let d = 0; d < D; d++) {
        const j = d * K + choices[i * D + d]!;
        grad[j]! += (2 * (x[j]! - noise[d]!)) / lambda;
      }
    }
    for (let j = 0; j < x.length; j++) {
      velocity[j] = momentum * velocity[j]! + grad[j]!;
      x[j]! -= lr * velocity[j]!;
    }
    const second = optimizer.ask();
    bestLoss = Math.min(bestLoss, evaluate(second, losses));
    optimizer.tell(second, losses);
    if (options.onProgress && (t % every === 0 || t === 1)) {
      const stats = optimizer.stats();
      options.onProgress({ iteration: t, bestLoss, convergence: stats.convergence ?? NaN, delta: stats.delta ?? NaN });
    }
    if (bestLoss <= target) break;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const iterations = Math.min(t, budget);
  return { converged: bestLoss <= target, iterations, bestLoss, seconds };
}
