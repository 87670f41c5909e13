import type { DatasetSplit, ExampleBatch, RandomSource } from '@asng/core';

/** The two parts of a training set, as indices into it. */
export interface TrainValidationIndices {
  /** Indices for weight updates. */
  readonly train: Int32Array;
  /** Indices held out (for ASNG, the distribution updates). */
  readonly validation: Int32Array;
}

/** How {@link splitTrainValidation} divides a set. */
export interface SplitOptions {
  /** Fraction of the examples held out for validation, in `(0, 1)`. @default 0.5 */
  readonly validationFraction?: number;
  /** Shuffles the examples before dividing; without it the first part trains and the rest validates. */
  readonly rng?: RandomSource;
}

/**
 * Divides `size` examples into a training and a validation part, after a
 * seeded shuffle when an `rng` is given. Each part's indices are sorted, so
 * reads stay local; shuffle them per epoch with a {@link DataLoader}.
 *
 * @example
 * ```ts
 * const { train, validation } = splitTrainValidation(60000, { rng: new Rng(1) }); // 30000 + 30000
 * ```
 */
export function splitTrainValidation(size: number, options: SplitOptions = {}): TrainValidationIndices {
  const fraction = options.validationFraction ?? 0.5;
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`splitTrainValidation: size must be an integer >= 2, got ${size}`);
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`splitTrainValidation: validationFraction must be in (0, 1), got ${fraction}`);
  const validationSize = Math.min(size - 1, Math.max(1, Math.round(size * fraction)));
  const order = Int32Array.from({ length: size }, (_, i) => i);
  if (options.rng) {
    for (let i = size - 1; i > 0; i--) {
      const j = options.rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  const train = order.slice(0, size - validationSize).sort();
  const validation = order.slice(size - validationSize).sort();
  return { train, validation };
}

/**
 * The examples of `split` at `indices`, as a split of its own (index `i`
 * reads `split`'s example `indices[i]`).
 */
export function subsetSplit(split: DatasetSplit, indices: ArrayLike<number>): DatasetSplit {
  const map = Int32Array.from(indices);
  for (const index of map) {
    if (index < 0 || index >= split.size) throw new RangeError(`subsetSplit: index ${index} is outside [0, ${split.size})`);
  }
  return {
    size: map.length,
    read(positions: ArrayLike<number>): Promise<ExampleBatch> {
      const mapped = new Int32Array(positions.length);
      for (let i = 0; i < positions.length; i++) {
        const position = positions[i]!;
        if (!Number.isInteger(position) || position < 0 || position >= map.length) {
          return Promise.reject(new RangeError(`read: index ${position} at position ${i} is outside [0, ${map.length})`));
        }
        mapped[i] = map[position]!;
      }
      return split.read(mapped);
    },
  };
}
