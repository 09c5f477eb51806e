import type { ByteInput } from './byte-input.ts';

/** Where a command's output goes: a terminal, a file being redirected to, a buffer. */
export interface Sink {
  write(data: string | Uint8Array): void;
}

/** A command's standard streams. */
export interface CommandIo {
  readonly stdout: Sink;
  readonly stderr: Sink;
  /** The terminal's input; null when there is none (a command run through the API). */
  readonly stdin: ByteInput | null;
  /** Aborted when the user interrupts (Ctrl-C) or the caller cancels. */
  readonly signal: AbortSignal;
}

/** Collects everything written, as bytes. */
export class BufferSink implements Sink {
  private chunks: Uint8Array[] = [];
  private readonly enc = new TextEncoder();

  write(data: string | Uint8Array): void {
    this.chunks.push(typeof data === 'string' ? this.enc.encode(data) : data.slice());
  }

  bytes(): Uint8Array {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/** Discards output. */
export const NULL_SINK: Sink = { write: () => {} };
