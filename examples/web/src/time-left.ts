/**
 * The progress bar's estimate of the time left, from the steps seen so far.
 * Pure, tested in Node.
 */

/** One finished step: its number (from 1) and the run's seconds when it ended. */
export interface StepTime {
  readonly step: number;
  readonly seconds: number;
}

/**
 * Seconds left until step `totalSteps`, at the pace of the last `window`
 * steps (the first steps compile kernels and warm-up steps skip the
 * validation pass, so the recent pace predicts better than the mean since
 * the start). `undefined` until two steps are known, or when the pace is
 * not a positive finite number; `0` once the last step is done.
 *
 * @param warmupSteps - steps that train without validating: they are left out of the pace while later steps are known, since those cost more.
 */
export function estimateSecondsLeft(
  times: readonly StepTime[],
  totalSteps: number,
  options: { window?: number; warmupSteps?: number } = {},
): number | undefined {
  const last = times.at(-1);
  if (last === undefined) return undefined;
  if (last.step >= totalSteps) return 0;
  const window = options.window ?? 20;
  const warmup = options.warmupSteps ?? 0;
  const afterWarmup = times.filter((t) => t.step > warmup);
  const pool = last.step > warmup + 1 && afterWarmup.length >= 2 ? afterWarmup : times;
  const recent = pool.slice(-(window + 1));
  if (recent.length < 2) return undefined;
  const first = recent[0]!;
  const end = recent.at(-1)!;
  const secondsPerStep = (end.seconds - first.seconds) / (end.step - first.step);
  if (!(Number.isFinite(secondsPerStep) && secondsPerStep > 0)) return undefined;
  return secondsPerStep * (totalSteps - last.step);
}

/** `'1 h 02 min'`, `'3 min 05 s'`, `'42 s'`; `'…'` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(rest).padStart(2, '0')} s`;
  return `${rest} s`;
}
