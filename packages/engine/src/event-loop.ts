/**
 * Resolves after the event loop has had a turn: timers, I/O callbacks and
 * signal handlers run (Ctrl-C in Node.js; clicks, repaints and messages in a
 * browser). `setImmediate` where it exists (Node.js), otherwise a
 * `MessageChannel` message, which browsers do not clamp as they do nested
 * `setTimeout(0)` calls.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    // The browser's MessagePort (Node's typings describe the worker_threads one).
    const port = channel.port1 as unknown as { onmessage: (() => void) | null; close(): void };
    port.onmessage = () => {
      port.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Seconds since `start`, a value of `performance.now()`. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
