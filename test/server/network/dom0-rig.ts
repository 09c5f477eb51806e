/**
 * Test doubles for Domain-0's interface: a clock whose time moves only when
 * the test says so, and a link that keeps what the interface transmits.
 */
import type { EthernetLink } from '../../../src/server/network/ethernet';
import type { NetworkClock } from '../../../src/server/network/dom0-interface';

export class ManualClock implements NetworkClock {
  private time = 0;
  private timers: { at: number; callback: () => void; live: boolean }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + ms, callback, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.time = due.at;
      due.callback();
    }
    this.timers = this.timers.filter((t) => t.live);
    this.time = end;
  }

  pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

/** The bridge side of the port: records frames; `onTransmit` may answer (after the call, like the bridge's queue). */
export class CapturingLink implements EthernetLink {
  readonly sent: Uint8Array[] = [];
  detached = false;
  onTransmit: ((frame: Uint8Array) => void) | undefined;
  private queue: Uint8Array[] = [];
  private draining = false;

  transmit(frame: Uint8Array): void {
    this.sent.push(frame);
    if (!this.onTransmit) return;
    // Like the bridge: never re-entrant, frames sent while answering wait their turn.
    this.queue.push(frame);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let f = this.queue.shift(); f; f = this.queue.shift()) this.onTransmit(f);
    } finally {
      this.draining = false;
    }
  }

  detach(): void {
    this.detached = true;
  }

  /** Takes the frames sent so far. */
  take(): Uint8Array[] {
    return this.sent.splice(0);
  }
}

/** Lets pending promise continuations run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) =>
    parseInt(clean.slice(2 * i, 2 * i + 2), 16),
  );
}
