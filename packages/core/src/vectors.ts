/**
 * Small checks shared by `Distribution` implementations, so that every
 * distribution reports a wrong argument the same way.
 */

/** Throws a `RangeError` unless `weights` has one entry per sample and there is at least one sample. */
export function checkSampleWeights(samples: number, weights: ArrayLike<number>, where: string): void {
  if (samples === 0 || weights.length !== samples) {
    throw new RangeError(`${where}: expected as many weights as samples (>0), got ${weights.length} and ${samples}`);
  }
}

/** Throws a `RangeError` unless `vector` has `length` entries. */
export function checkVectorLength(vector: ArrayLike<number>, length: number, where: string): void {
  if (vector.length !== length) throw new RangeError(`${where}: expected a vector of length ${length}, got ${vector.length}`);
}

/** `out` zeroed (after checking its length), or a new zero vector when `out` is not given. */
export function outputVector(out: Float64Array | undefined, length: number, where: string): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length !== length) throw new RangeError(`${where}: expected an output vector of length ${length}, got ${out.length}`);
  return out.fill(0);
}
