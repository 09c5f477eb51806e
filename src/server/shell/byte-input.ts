/**
 * A terminal's input as the shell reads it: bytes arrive (keys typed, a pipe,
 * a Comlink call) and commands read them in order. Reads can be cancelled
 * without losing bytes (a console detaching when its guest stops), bytes can
 * be put back (what followed Ctrl-] belongs to the shell), and while a command
 * runs, Ctrl-C can interrupt it instead of being read.
 */
export const CTRL_C = 0x03;

export class ByteInput {
  private chunks: Uint8Array[] = [];
  private closed = false;
  private waiter: (() => void) | null = null;
  /** While set, Ctrl-C bytes are taken out of the input and call this instead. */
  interruptHandler: (() => void) | null = null;

  /** Bytes arrive. */
  push(bytes: Uint8Array | string): void {
    let b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes.slice();
    if (this.interruptHandler && b.includes(CTRL_C)) {
      b = b.filter((x) => x !== CTRL_C);
      this.interruptHandler();
    }
    if (b.length > 0) this.chunks.push(b);
    this.wake();
  }

  /** No more bytes will arrive (end of file). */
  end(): void {
    this.closed = true;
    this.wake();
  }

  get ended(): boolean {
    return this.closed && this.chunks.length === 0;
  }

  get available(): number {
    return this.chunks.reduce((s, c) => s + c.length, 0);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Put bytes back in front. */
  unread(bytes: Uint8Array): void {
    if (bytes.length > 0) this.chunks.unshift(bytes.slice());
  }

  /**
   * Everything available now, waiting for something if there is nothing;
   * null at end of file or when `signal` aborts (then nothing is consumed).
   */
  async read(signal?: AbortSignal): Promise<Uint8Array | null> {
    for (;;) {
      if (signal?.aborted) return null;
      if (this.chunks.length > 0) {
        const all = new Uint8Array(this.available);
        let o = 0;
        for (const c of this.chunks) {
          all.set(c, o);
          o += c.length;
        }
        this.chunks = [];
        return all;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => {
        const prev = this.waiter;
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiter = () => {
          prev?.();
          done();
        };
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** One line without its newline (a final unterminated line counts); null at end of file. */
  async readLine(signal?: AbortSignal): Promise<string | null> {
    let line: number[] = [];
    for (;;) {
      const chunk = await this.read(signal);
      if (chunk === null) {
        if (line.length > 0 && !signal?.aborted)
          return new TextDecoder().decode(Uint8Array.from(line));
        if (line.length > 0) this.unread(Uint8Array.from(line));
        return null;
      }
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        line = line.concat(Array.from(chunk));
        continue;
      }
      line = line.concat(Array.from(chunk.subarray(0, nl)));
      this.unread(chunk.subarray(nl + 1));
      let text = new TextDecoder().decode(Uint8Array.from(line));
      if (text.endsWith('\r')) text = text.slice(0, -1);
      return text;
    }
  }
}
