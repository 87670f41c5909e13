/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * A progress bar on a terminal (redrawn in place, at most 10 times a second),
 * or one line per 5% elsewhere (logs, CI).
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastPercent = -1;
  private readonly started = Date.now();
  private readonly startCount: number;

  constructor(
    private readonly write: (text: string) => void,
    private readonly total: number,
    private readonly tty: boolean,
    start = 0,
  ) {
    this.startCount = start;
  }

  /** Shows `done` of `total` with the figures in `detail`. */
  update(done: number, detail: string): void {
    const now = Date.now();
    const fraction = Math.min(done / this.total, 1);
    const rate = (done - this.startCount) / Math.max((now - this.started) / 1000, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Number.NaN;
    const text = `${String(done).padStart(String(this.total).length)}/${this.total} ${(100 * fraction).toFixed(0).padStart(3)}% ETA ${formatDuration(eta)} ${detail}`;
    if (this.tty) {
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(fraction * width);
      this.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\u001b[K${done >= this.total ? '\n' : ''}`);
    } else {
      const percent = Math.floor(fraction * 20);
      if (percent === this.lastPercent && done < this.total) return;
      this.lastPercent = percent;
      this.write(`${text}\n`);
    }
  }

  /** Ends the bar's line on a terminal. */
  end(): void {
    if (this.tty) this.write('\n');
  }
}
