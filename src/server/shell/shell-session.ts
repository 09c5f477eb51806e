import type { ByteInput } from './byte-input.ts';
import type { Dom0Shell } from './shell.ts';
import type { Sink } from './shell-io.ts';

/**
 * A dom0 shell on a terminal: prompt, read a line, run it, repeat, until end
 * of input or `exit`. Interactive sessions get a small line editor on raw
 * keystrokes — echo, Backspace, Ctrl-U, Ctrl-C, Ctrl-D, Ctrl-L and history on
 * the arrow keys — so the Node TTY and the browser terminal behave alike; a
 * pipe or script is read line by line without echo.
 */
export interface SessionIo {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly stdin: ByteInput;
}

export interface SessionOptions {
  readonly interactive: boolean;
  /** Printed first (interactive sessions). */
  readonly banner?: string;
}

const HISTORY_MAX = 200;

export class ShellSession {
  private readonly history: string[] = [];
  private current: AbortController | null = null;

  constructor(
    readonly shell: Dom0Shell,
    readonly io: SessionIo,
    readonly options: SessionOptions,
  ) {}

  /** Cancel the running command (Ctrl-C from outside the input, e.g. SIGINT). */
  interrupt(): void {
    this.current?.abort();
  }

  /** Runs until end of input or `exit`; returns the exit status. */
  async run(): Promise<number> {
    const { stdin, stdout } = this.io;
    if (this.options.interactive && this.options.banner) stdout.write(this.options.banner);
    for (;;) {
      if (this.options.interactive) stdout.write(this.shell.prompt);
      const line = this.options.interactive ? await this.editLine() : await stdin.readLine();
      if (line === null) {
        if (this.options.interactive) stdout.write('exit\r\n');
        return this.shell.lastStatus;
      }
      if (line.trim() === '') continue;
      if (this.options.interactive) {
        if (this.history[this.history.length - 1] !== line) this.history.push(line);
        if (this.history.length > HISTORY_MAX) this.history.shift();
      }
      const ctrl = new AbortController();
      this.current = ctrl;
      if (this.options.interactive) stdin.interruptHandler = () => ctrl.abort();
      try {
        await this.shell.run(line, { stdout, stderr: this.io.stderr, stdin, signal: ctrl.signal });
      } finally {
        stdin.interruptHandler = null;
        this.current = null;
      }
      if (ctrl.signal.aborted && this.options.interactive) stdout.write('\r\n');
      if (this.shell.exitRequested) return this.shell.lastStatus;
    }
  }

  /** One line from raw keystrokes, echoed; null on Ctrl-D at an empty line or end of input. */
  private async editLine(): Promise<string | null> {
    const { stdin, stdout } = this.io;
    let line: number[] = [];
    let histPos = this.history.length;
    let escape: number[] | null = null;
    const erase = (n: number): void => {
      if (n > 0) stdout.write('\b \b'.repeat(n));
    };
    const visible = (bytes: number[]): number => bytes.filter((b) => (b & 0xc0) !== 0x80).length;
    const replace = (text: string): void => {
      erase(visible(line));
      line = Array.from(new TextEncoder().encode(text));
      stdout.write(Uint8Array.from(line));
    };
    for (;;) {
      const chunk = await stdin.read();
      if (chunk === null)
        return line.length > 0 ? new TextDecoder().decode(Uint8Array.from(line)) : null;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        if (escape !== null) {
          // ECMA-48 control sequence: ESC [ parameters final byte (0x40–0x7e).
          escape.push(b);
          if (escape.length === 1 && b !== 0x5b && b !== 0x4f) escape = null;
          else if (escape.length > 1 && b >= 0x40 && b <= 0x7e) {
            if (b === 0x41 && histPos > 0) replace(this.history[--histPos] as string);
            else if (b === 0x42 && histPos < this.history.length) {
              histPos++;
              replace(this.history[histPos] ?? '');
            }
            escape = null;
          }
          continue;
        }
        switch (b) {
          case 0x1b:
            escape = [];
            break;
          case 0x0d:
          case 0x0a: {
            // CR LF from a terminal is one Enter.
            if (b === 0x0d && chunk[i + 1] === 0x0a) i++;
            stdin.unread(chunk.subarray(i + 1));
            stdout.write('\r\n');
            return new TextDecoder().decode(Uint8Array.from(line));
          }
          case 0x7f:
          case 0x08: {
            if (line.length === 0) break;
            let n = line.length - 1;
            while (n > 0 && ((line[n] as number) & 0xc0) === 0x80) n--;
            line = line.slice(0, n);
            erase(1);
            break;
          }
          case 0x03:
            stdout.write('^C\r\n');
            line = [];
            stdout.write(this.shell.prompt);
            break;
          case 0x04:
            if (line.length === 0) {
              stdin.unread(chunk.subarray(i + 1));
              return null;
            }
            break;
          case 0x15:
            erase(visible(line));
            line = [];
            break;
          case 0x0c:
            stdout.write(`\x1b[H\x1b[2J${this.shell.prompt}`);
            stdout.write(Uint8Array.from(line));
            break;
          default:
            if (b >= 0x20) {
              line.push(b);
              stdout.write(Uint8Array.of(b));
            }
        }
      }
    }
  }
}
