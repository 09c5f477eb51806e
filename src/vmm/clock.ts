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

/**
 * The latest host time (ns) a deadline may name: beyond 2^53 ns (~104 days)
 * a double no longer holds every ns, so virtual time could not advance past
 * it exactly. A timer or poll deadline further out is "no deadline" — which
 * is what SBI §6.1 means by set_timer((uint64_t)-1).
 */
export const DEADLINE_HORIZON_NS = Number.MAX_SAFE_INTEGER;

/** A deadline (host ns) the loop can wait for, or null for one it never reaches. */
export function boundedDeadline(ns: number): number | null {
  return Number.isFinite(ns) && ns <= DEADLINE_HORIZON_NS ? ns : null;
}

/** The longest delay setTimeout takes (2^31 − 1 ms); longer ones fire at once in Node and browsers. */
export const MAX_TIMEOUT_MS = 0x7fff_ffff;

/** Deterministic mode's default wall-clock time at host time 0: 2024-01-01T00:00:00Z. */
export const DEFAULT_EPOCH_MS = Date.UTC(2024, 0, 1);

/** Real time: the wall-clock time (epoch ms) at which performance.now() read 0. */
export function realtimeEpochMs(): number {
  return Date.now() - performance.now();
}
