/**
 * A domain's hypervisor console: what the guest writes through SBI (DBCN,
 * legacy putchar) and console_io, and what the host types into it. Output is
 * kept in a bounded buffer and pushed to listeners; input waits in a queue.
 */
export const CONSOLE_HISTORY_BYTES = 64 * 1024;

export class DomainConsole {
  private history = new Uint8Array(CONSOLE_HISTORY_BYTES);
  private historyLen = 0;
  private input: number[] = [];
  /** Every byte the guest ever wrote. */
  totalOut = 0;
  private listeners: ((bytes: Uint8Array) => void)[] = [];

  onOutput(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.totalOut += bytes.length;
    if (bytes.length >= this.history.length) {
      this.history.set(bytes.subarray(bytes.length - this.history.length));
      this.historyLen = this.history.length;
    } else {
      const keep = Math.min(this.historyLen, this.history.length - bytes.length);
      this.history.copyWithin(0, this.historyLen - keep, this.historyLen);
      this.history.set(bytes, keep);
      this.historyLen = keep + bytes.length;
    }
    for (const l of this.listeners) l(bytes);
  }

  writeByte(b: number): void {
    this.write(Uint8Array.of(b & 0xff));
  }

  /** The most recent output (up to CONSOLE_HISTORY_BYTES). */
  output(): Uint8Array {
    return this.history.slice(0, this.historyLen);
  }

  text(): string {
    return new TextDecoder().decode(this.output());
  }

  pushInput(bytes: Uint8Array): void {
    for (const b of bytes) this.input.push(b);
  }

  /** Next input byte, or −1. */
  readByte(): number {
    return this.input.length ? (this.input.shift() as number) : -1;
  }

  readInto(max: number): Uint8Array {
    const n = Math.min(max, this.input.length);
    return Uint8Array.from(this.input.splice(0, n));
  }

  get pendingInput(): number {
    return this.input.length;
  }

  saveState(): { input: number[] } {
    return { input: [...this.input] };
  }

  restoreState(s: { input: number[] }): void {
    this.input = [...s.input];
  }
}
