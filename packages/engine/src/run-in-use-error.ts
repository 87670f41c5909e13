/** Who holds a run directory's lock, and how fresh it is. */
export interface RunLockHolder {
  readonly host: string;
  readonly pid: number;
  /** Milliseconds since its last heartbeat. */
  readonly ageMs: number;
}

/** Another live process (or browser tab) works on the run. */
export class RunInUseError extends Error {
  override name = 'RunInUseError';
  /**
   * @param path - the lock, or the run, that is held.
   * @param holder - who holds it, when the storage knows (a run directory's `run.lock` does; a browser's lock does not).
   */
  constructor(
    readonly path: string,
    readonly holder?: RunLockHolder,
  ) {
    super(
      holder === undefined
        ? `${path}: the run is in use by another search (in another tab or window of this browser, or in this page); ` +
            'two searches must not write one run: stop the other one, or close its tab'
        : `${path}: the run is in use by process ${holder.pid} on ${holder.host} (heartbeat ${(holder.ageMs / 1000).toFixed(1)} s ago); ` +
            `two processes must not write one run: wait for it to stop, or delete the file if that process is gone`,
    );
  }
}
