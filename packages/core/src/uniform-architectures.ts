import { type RandomSource, Rng } from './rng.js';
import type { Architecture, Choice, Variable } from './variables.js';

/**
 * `count` architectures drawn uniformly from `variables`: each variable's
 * value independent of the others, a categorical choice uniform over its
 * choices, an integer uniform over `[min, max]`, a continuous value uniform
 * over `[min, max)`. The baseline a search must beat: what a user picks
 * without it.
 *
 * @example
 * ```ts
 * const rng = new Rng(7);
 * const [a, b] = uniformArchitectures([categorical('op', ['conv', 'pool']), integer('width', 8, 64)], rng, 2);
 * ```
 */
export function uniformArchitectures(variables: readonly Variable[], rng: RandomSource, count: number): Architecture[] {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`uniformArchitectures: count: expected a whole number >= 0, got ${count}`);
  return Array.from({ length: count }, () =>
    Object.fromEntries(
      variables.map((v): [string, Choice] => {
        if (v.kind === 'categorical') return [v.name, v.choices[rng.int(v.choices.length)]!];
        if (v.kind === 'integer') return [v.name, v.min + rng.int(v.max - v.min + 1)];
        return [v.name, v.min + rng.uniform() * (v.max - v.min)];
      }),
    ),
  );
}

/**
 * The random architectures that a found-against-random comparison sets
 * against the search of seed `seed`: the first `count` of
 * {@link uniformArchitectures} on a stream of their own (`new Rng(seed)`,
 * forked twice), so that they are the same whatever else a run draws, and
 * the `i`-th is the same for any `count > i`. `asng retrain
 * --random-architecture I` and the quality benchmark both use it: the same
 * search seed names the same random networks everywhere.
 */
export function comparisonArchitectures(variables: readonly Variable[], seed: number, count: number): Architecture[] {
  return uniformArchitectures(variables, new Rng(seed).fork().fork(), count);
}
