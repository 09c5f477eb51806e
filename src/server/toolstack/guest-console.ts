/**
 * One guest's console as Domain-0 sees it (xenconsoled's job): the bytes the
 * guest writes — through its HVM serial port, its PV console ring or the
 * hypervisor console (SBI debug console, console_io) — merged into one
 * stream with a bounded history, and the keys typed at it routed back to
 * wherever the guest reads. Output is delivered to listeners in batches (one
 * per turn of the event loop), not byte by byte.
 */
export const CONSOLE_HISTORY = 64 * 1024;

export type ConsoleListener = (bytes: Uint8Array) => void;

export interface ConsoleEnd {
  /** Why attached clients were let go ("shut down (poweroff)", "destroyed"). */
  readonly reason: string;
}

export class GuestConsole {
  private history = new Uint8Array(CONSOLE_HISTORY);
  private historyLen = 0;
  /** Every byte written so far. */
  private total = 0;
  /** Bytes up to here were shown to an `xl console` client (xenconsoled's buffer semantics). */
  private shown = 0;
  private pending: Uint8Array[] = [];
  private scheduled = false;
  private listeners: ConsoleListener[] = [];
  private endWaiters: ((e: ConsoleEnd) => void)[] = [];
  /** Where input goes: set by the toolstack per guest type. */
  inputRoute: (bytes: Uint8Array) => void = () => {};
  /** Bytes typed at the console. */
  bytesIn = 0;

  constructor(
    /** Set once the VMM has given the domain its id. */
    public domid: number,
    readonly name: string,
  ) {}

  get bytesOut(): number {
    return this.total;
  }

  /** The guest wrote `bytes`. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes.slice());
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  writeByte(b: number): void {
    this.write(Uint8Array.of(b & 0xff));
  }

  /** Deliver what is pending now (also done automatically once per turn). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const n = this.pending.reduce((s, b) => s + b.length, 0);
    const bytes = new Uint8Array(n);
    let o = 0;
    for (const b of this.pending) {
      bytes.set(b, o);
      o += b.length;
    }
    this.pending = [];
    this.remember(bytes);
    for (const l of [...this.listeners]) l(bytes);
  }

  private remember(bytes: Uint8Array): void {
    this.total += bytes.length;
    const cap = this.history.length;
    if (bytes.length >= cap) {
      this.history.set(bytes.subarray(bytes.length - cap));
      this.historyLen = cap;
      return;
    }
    const keep = Math.min(this.historyLen, cap - bytes.length);
    this.history.copyWithin(0, this.historyLen - keep, this.historyLen);
    this.history.set(bytes, keep);
    this.historyLen = keep + bytes.length;
  }

  /** The most recent output (up to CONSOLE_HISTORY bytes). */
  output(): Uint8Array {
    this.flush();
    return this.history.slice(0, this.historyLen);
  }

  text(): string {
    return new TextDecoder().decode(this.output());
  }

  /**
   * Listen to output. `replay`: 'all' — the history first; 'unread' — what no
   * `xl console` client has seen yet (and mark it seen); 'none'.
   */
  subscribe(listener: ConsoleListener, replay: 'all' | 'unread' | 'none' = 'none'): () => void {
    this.flush();
    if (replay !== 'none') {
      const from = replay === 'all' ? 0 : Math.max(0, this.historyLen - (this.total - this.shown));
      if (from < this.historyLen) listener(this.history.slice(from, this.historyLen));
    }
    this.listeners.push(listener);
    const track: ConsoleListener = () => {
      this.shown = this.total;
    };
    if (replay === 'unread') {
      this.shown = this.total;
      this.listeners.push(track);
    }
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener && l !== track);
    };
  }

  /** Keys typed at the console. */
  input(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.bytesIn += bytes.length;
    this.inputRoute(bytes);
  }

  /** Let attached clients go (the guest shut down for good, or was destroyed). */
  end(reason: string): void {
    this.flush();
    const waiters = this.endWaiters;
    this.endWaiters = [];
    for (const w of waiters) w({ reason });
  }

  /** Resolves at the next end(). */
  ended(): Promise<ConsoleEnd> {
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }
}
