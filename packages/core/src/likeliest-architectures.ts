import type { VariableBelief } from './optimizer.js';
import type { RandomSource } from './rng.js';
import type { Architecture, Choice } from './variables.js';

/** One of {@link likeliestArchitectures}: an architecture and its probability under the beliefs. */
export interface LikelyArchitecture {
  readonly architecture: Architecture;
  /** The product of its categorical choices' probabilities (the numeric variables are held at the mode's values). */
  readonly probability: number;
}

/** Options of {@link likeliestArchitectures}. */
export interface LikeliestOptions {
  /**
   * Architectures with the same key count as one (the likeliest of them is
   * kept): for example a key that ignores the genes of inactive nodes, so
   * that the list holds `count` different networks. Default: every variable.
   */
  readonly key?: (architecture: Architecture) => string;
  /**
   * At most this many architectures are enumerated (in decreasing
   * probability) while looking for `count` different keys.
   * @default 100_000
   */
  readonly maxEnumerated?: number;
}

type CategoricalBelief = Extract<VariableBelief, { kind: 'categorical' }>;

/** The categorical beliefs, each checked to hold one probability in [0, 1] per choice. */
function categoricalBeliefs(beliefs: readonly VariableBelief[], where: string): CategoricalBelief[] {
  return beliefs.flatMap((b) => {
    if (b.kind !== 'categorical') return [];
    if (b.probabilities.length !== b.choices.length || b.probabilities.some((p) => !(p >= 0 && p <= 1))) {
      throw new RangeError(`${where}: belief '${b.name}': expected one probability in [0, 1] per choice, got [${b.probabilities.join(', ')}]`);
    }
    return [b];
  });
}

/** A max-heap of (log-probability, state), ties broken by insertion order so the result is deterministic. */
class Frontier {
  private readonly items: { logP: number; order: number; indices: number[]; last: number }[] = [];
  private counter = 0;
  get size(): number {
    return this.items.length;
  }
  private above(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.logP > y.logP || (x.logP === y.logP && x.order < y.order);
  }
  push(logP: number, indices: number[], last: number): void {
    this.items.push({ logP, order: this.counter++, indices, last });
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      [this.items[i], this.items[parent]] = [this.items[parent]!, this.items[i]!];
      i = parent;
    }
  }
  pop(): { logP: number; indices: number[]; last: number } {
    const top = this.items[0]!;
    const end = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = end;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.items.length && this.above(l, m)) m = l;
        if (r < this.items.length && this.above(r, m)) m = r;
        if (m === i) break;
        [this.items[i], this.items[m]] = [this.items[m]!, this.items[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The `count` likeliest architectures under an optimizer's beliefs
 * ({@link Optimizer.beliefs}), in decreasing probability: the categorical
 * variables enumerated best-first over the product of their probabilities
 * (exactly, without drawing), every numeric variable held at its value in
 * `mode` (the optimizer's {@link Optimizer.best}, which rounds and clamps as
 * the optimizer does). The first is `mode` itself whenever its choices are
 * the likeliest ones. Used to pick finalists after a search: the few networks
 * the final distribution favours, to be compared by training rather than by
 * the distribution alone. Fewer than `count` come back where the space has
 * fewer different keys (or `maxEnumerated` is reached).
 *
 * @throws RangeError on a `count` that is not a whole number >= 1, or a
 *   categorical belief whose probabilities do not match its choices.
 *
 * @example
 * ```ts
 * const finalists = likeliestArchitectures(optimizer.beliefs(), optimizer.best(), 8);
 * ```
 */
export function likeliestArchitectures(
  beliefs: readonly VariableBelief[],
  mode: Architecture,
  count: number,
  options: LikeliestOptions = {},
): LikelyArchitecture[] {
  const where = 'likeliestArchitectures';
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`${where}: count: expected a whole number >= 1, got ${count}`);
  const maxEnumerated = options.maxEnumerated ?? 100_000;
  const key = options.key ?? ((a: Architecture) => JSON.stringify(a));
  // Each categorical variable's choices sorted by decreasing probability (ties: the choice order).
  const categorical = categoricalBeliefs(beliefs, where).map((b) => {
    const order = b.choices.map((_c, i) => i).sort((i, j) => b.probabilities[j]! - b.probabilities[i]! || i - j);
    return { name: b.name, choices: order.map((i) => b.choices[i]!), logP: order.map((i) => Math.log(b.probabilities[i]!)) };
  });
  const build = (indices: readonly number[]): Architecture => {
    const out: Record<string, Choice> = { ...mode };
    categorical.forEach((v, i) => {
      out[v.name] = v.choices[indices[i]!]!;
    });
    return out;
  };
  const result: LikelyArchitecture[] = [];
  const seen = new Set<string>();
  const frontier = new Frontier();
  const start = categorical.map(() => 0);
  frontier.push(
    categorical.reduce((s, v) => s + v.logP[0]!, 0),
    start,
    0,
  );
  // Every index vector has one parent (its last non-zero index lowered by one), so each is enumerated once.
  for (let enumerated = 0; frontier.size > 0 && enumerated < maxEnumerated && result.length < count; enumerated++) {
    const { logP, indices, last } = frontier.pop();
    const architecture = build(indices);
    const k = key(architecture);
    if (!seen.has(k)) {
      seen.add(k);
      result.push({ architecture, probability: Math.exp(logP) });
    }
    for (let i = last; i < categorical.length; i++) {
      const v = categorical[i]!;
      const next = indices[i]! + 1;
      if (next >= v.choices.length || v.logP[next] === Number.NEGATIVE_INFINITY) continue;
      const child = indices.slice();
      child[i] = next;
      frontier.push(logP - v.logP[next - 1]! + v.logP[next]!, child, i);
    }
  }
  return result;
}

/** Options of {@link drawnArchitectures}. */
export interface DrawnOptions {
  /** Architectures with the same key count as one (the first drawn is kept). Default: every variable. */
  readonly key?: (architecture: Architecture) => string;
  /**
   * At most this many draws are made while looking for `count` different keys.
   * @default 1000 * count
   */
  readonly maxDraws?: number;
}

/**
 * `count` different architectures drawn from an optimizer's beliefs
 * ({@link Optimizer.beliefs}): `mode` first (the optimizer's
 * {@link Optimizer.best}), then architectures whose categorical variables are
 * drawn independently from their probabilities with `rng`, each one kept when
 * its key is new; every numeric variable is held at its value in `mode`.
 * Each comes with its probability under the beliefs. Where the distribution
 * is still flat, the likeliest architectures ({@link likeliestArchitectures})
 * are near copies of the mode, one choice apart; draws are as diverse as
 * the distribution is, so a selection among them by training compares
 * architectures that differ. Fewer than `count` come back where `maxDraws`
 * draws find fewer different keys. The same `rng` state gives the same list.
 *
 * @throws RangeError on a `count` that is not a whole number >= 1, or a
 *   categorical belief whose probabilities do not match its choices.
 *
 * @example
 * ```ts
 * const finalists = drawnArchitectures(optimizer.beliefs(), optimizer.best(), 8, new Rng(501));
 * ```
 */
export function drawnArchitectures(
  beliefs: readonly VariableBelief[],
  mode: Architecture,
  count: number,
  rng: RandomSource,
  options: DrawnOptions = {},
): LikelyArchitecture[] {
  const where = 'drawnArchitectures';
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`${where}: count: expected a whole number >= 1, got ${count}`);
  const maxDraws = options.maxDraws ?? 1000 * count;
  const key = options.key ?? ((a: Architecture) => JSON.stringify(a));
  const categorical = categoricalBeliefs(beliefs, where);
  const probabilityOf = (architecture: Architecture): number =>
    categorical.reduce((p, b) => {
      const i = b.choices.indexOf(architecture[b.name]!);
      return p * (i < 0 ? 0 : b.probabilities[i]!);
    }, 1);
  const result: LikelyArchitecture[] = [{ architecture: { ...mode }, probability: probabilityOf(mode) }];
  const seen = new Set([key(mode)]);
  for (let draws = 0; draws < maxDraws && result.length < count; draws++) {
    const out: Record<string, Choice> = { ...mode };
    for (const b of categorical) {
      // The inverse of the cumulative distribution; the last choice of non-zero probability takes any rounding remainder.
      const u = rng.uniform();
      let last = b.probabilities.length - 1;
      while (last > 0 && !(b.probabilities[last]! > 0)) last--;
      for (let i = 0, sum = 0; i < last; i++) {
        sum += b.probabilities[i]!;
        if (u < sum && b.probabilities[i]! > 0) {
          last = i;
          break;
        }
      }
      out[b.name] = b.choices[last]!;
    }
    const k = key(out);
    if (seen.has(k)) continue;
    seen.add(k);
    result.push({ architecture: out, probability: probabilityOf(out) });
  }
  return result;
}
