/** Collects guest output bytes and hands them to a writer in chunks. */
export class OutputBuffer {
  private buf = new Uint8Array(4096);
  private len = 0;
  private pending: Promise<void> = Promise.resolve();

  /** `write` returns false when the stream wants the caller to wait for 'drain'. */
  constructor(private readonly write: (chunk: Uint8Array, done: () => void) => boolean) {}

  push(byte: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = byte;
  }

  flush(): void {
    if (this.len === 0) return;
    const chunk = this.buf.slice(0, this.len);
    this.len = 0;
    this.pending = new Promise((resolve) => this.write(chunk, resolve));
  }

  /** Resolves once the last flushed chunk has been handed to the OS. */
  drained(): Promise<void> {
    return this.pending;
  }
}
