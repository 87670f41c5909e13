/** Options of {@link rankingUtility}. */
export interface RankingUtilityOptions {
  /** Fraction of the population rewarded (and penalised): `mu = ceil(lambda * rho)`. @default 0.25 */
  readonly rho?: number;
  /** Whether the worst `mu` get `-1/mu` (otherwise `0`). @default true */
  readonly negative?: boolean;
  /** Relative difference under which two sorted losses count as tied. @default 1e-14 */
  readonly tieTolerance?: number;
}

/** Utilities with the ranking they come from. */
export interface RankedUtilities {
  /** Indices of the losses in ascending order (stable for equal losses). */
  readonly order: Int32Array;
  /** `bySortedRank[r]` is the utility of `losses[order[r]]`. */
  readonly bySortedRank: Float64Array;
  /** `utilities[i]` is the utility of `losses[i]`. */
  readonly utilities: Float64Array;
}

/**
 * The ranking-based utility of ASNG: the best `mu = ceil(lambda * rho)` losses
 * get `+1/mu`, the worst `mu` get `-1/mu`, the rest `0`; runs of tied losses
 * share the mean of their utilities. Throws a `RangeError` on a NaN or infinite loss.
 *
 * Ties are adjacent sorted losses whose difference is at most
 * `tieTolerance * |smaller|`; unlike the reference code, equal losses of zero
 * or below also tie.
 */
export function rankingUtility(losses: ArrayLike<number>, options: RankingUtilityOptions = {}): RankedUtilities {
  const rho = options.rho ?? 0.25;
  const negative = options.negative ?? true;
  const tol = options.tieTolerance ?? 1e-14;
  const lambda = losses.length;
  if (lambda < 1) throw new RangeError('rankingUtility: expected at least one loss');
  if (!(rho > 0 && rho <= 0.5)) throw new RangeError(`rankingUtility: rho must be in (0, 0.5], got ${rho}`);
  for (let i = 0; i < lambda; i++) {
    if (!Number.isFinite(losses[i])) {
      throw new RangeError(`rankingUtility: loss ${i} is ${String(losses[i])}; every loss must be a finite number`);
    }
  }
  // Stable insertion sort of the indices: lambda is small (2 to a few dozen).
  const order = new Int32Array(lambda);
  for (let i = 0; i < lambda; i++) {
    const value = losses[i]!;
    let j = i;
    while (j > 0 && losses[order[j - 1]!]! > value) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  const mu = Math.ceil(lambda * rho);
  if (negative && 2 * mu > lambda) {
    throw new RangeError(`rankingUtility: with ${lambda} losses and rho = ${rho}, the best and worst ${mu} overlap; use at least ${2 * mu} losses`);
  }
  const raw = new Float64Array(lambda);
  for (let r = 0; r < mu; r++) raw[r] = 1 / mu;
  if (negative) for (let r = lambda - mu; r < lambda; r++) raw[r] = -1 / mu;
  const bySortedRank = new Float64Array(lambda);
  let start = 0;
  for (let r = 0; r < lambda; r++) {
    const tiedWithNext = r < lambda - 1 && losses[order[r + 1]!]! - losses[order[r]!]! <= tol * Math.abs(losses[order[r]!]!);
    if (tiedWithNext) continue;
    let sum = 0;
    for (let j = start; j <= r; j++) sum += raw[j]!;
    const mean = sum / (r - start + 1);
    for (let j = start; j <= r; j++) bySortedRank[j] = mean;
    start = r + 1;
  }
  const utilities = new Float64Array(lambda);
  for (let r = 0; r < lambda; r++) utilities[order[r]!] = bySortedRank[r]!;
  return { order, bySortedRank, utilities };
}
