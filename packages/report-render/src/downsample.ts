/** One point of a downsampled series: the mean of a bucket, with its extremes. */
export interface Bucket {
  /** The x of the bucket's last point (a step or epoch that exists in the log). */
  readonly x: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** How many finite points the bucket holds. */
  readonly count: number;
}

/**
 * Cuts `points` (in x order) into at most `max` buckets of consecutive points
 * and returns each bucket's mean, minimum and maximum, so that a 40,000-step
 * log plots as a few hundred points and keeps its spread. Non-finite values
 * are left out; a series of at most `max` points comes back one bucket per point.
 */
export function downsample(points: readonly (readonly [number, number])[], max = 300): Bucket[] {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`downsample: max must be an integer >= 1, got ${max}`);
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const size = Math.max(1, Math.ceil(finite.length / max));
  const out: Bucket[] = [];
  for (let i = 0; i < finite.length; i += size) {
    const chunk = finite.slice(i, i + size);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, y] of chunk) {
      sum += y;
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
    out.push({ x: chunk.at(-1)![0], mean: sum / chunk.length, min: lo, max: hi, count: chunk.length });
  }
  return out;
}
