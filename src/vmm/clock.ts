/**
 * The two time modes (issue 3): deterministic — host time is virtual and
 * advances with the instructions the vCPUs retire, so the same inputs give the
 * same outputs — and real time, where guest time follows the wall clock.
 */
export type TimeMode = 'deterministic' | 'realtime';

/** Guest `time` ticks per ns: TIMEBASE_HZ (10 MHz) → 100 ns per tick. */
export const NS_PER_TICK = 100;

/** Monotonic wall time in ns (performance.now exists in Node and in Workers). */
export function wallNs(): number {
  return Math.floor(performance.now() * 1e6);
}

/** Wall milliseconds, for batching. */
export function wallMs(): number {
  return performance.now();
}

/**
 * Let the host event loop run (I/O completions, UI messages) before the next
 * batch: a macrotask, not a microtask, so queued events get their turn.
 */
export function yieldToHost(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => void setImmediate(resolve));
  }
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
