/**
 * The VM server's console log, shown by `xl dmesg`: what the VMM and the
 * VM server did since boot, each line stamped with seconds since the log
 * started (Xen's console_timestamps=boot format, `[    1.234567]`) and
 * tagged like Xen's console — (XEN) for the hypervisor, (d0) for Domain-0.
 */
export type LogSource = 'XEN' | 'd0';
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  /** ms since the log started. */
  readonly timeMs: number;
  readonly source: LogSource;
  readonly level: LogLevel;
  readonly message: string;
}

/** Entries kept (Xen's console ring holds a fixed amount too). */
export const BOOT_LOG_CAPACITY = 2000;

export class BootLog {
  private readonly entries_: LogEntry[] = [];
  private listeners: ((e: LogEntry) => void)[] = [];
  private readonly start: number;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.start = clock();
  }

  log(source: LogSource, message: string, level: LogLevel = 'info'): LogEntry {
    const e: LogEntry = { timeMs: this.clock() - this.start, source, level, message };
    this.entries_.push(e);
    if (this.entries_.length > BOOT_LOG_CAPACITY) this.entries_.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  xen(message: string, level: LogLevel = 'info'): LogEntry {
    return this.log('XEN', message, level);
  }

  dom0(message: string, level: LogLevel = 'info'): LogEntry {
    return this.log('d0', message, level);
  }

  get entries(): readonly LogEntry[] {
    return this.entries_;
  }

  onEntry(listener: (e: LogEntry) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  clear(): void {
    this.entries_.length = 0;
  }

  /** The whole log as `xl dmesg` prints it. */
  format(): string {
    return this.entries_.map(formatLogEntry).join('');
  }
}

export function formatLogEntry(e: LogEntry): string {
  const secs = (e.timeMs / 1000).toFixed(6).padStart(12, ' ');
  const tag = e.level === 'info' ? '' : e.level === 'warn' ? 'WARNING: ' : 'ERROR: ';
  return `(${e.source}) [${secs}] ${tag}${e.message}\n`;
}
