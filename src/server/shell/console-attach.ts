import type { GuestConsole } from '../toolstack/guest-console.ts';
import type { CommandIo } from './shell-io.ts';

/** Ctrl-] (GS): the key that detaches `xl console`, as in xenconsole. */
export const CONSOLE_ESCAPE = 0x1d;

export type AttachOutcome = 'detached' | 'ended' | 'cancelled';

/**
 * `xl console`: the terminal becomes the guest's console — its output is
 * written through, every key goes to the guest (Ctrl-C included) — until
 * Ctrl-] is typed or the guest stops for good. At end of input the console
 * stays attached until the guest stops, so a script can pipe commands into
 * a guest and collect everything it prints. The caller's signal (not Ctrl-C,
 * which belongs to the guest) cancels.
 */
export async function attachConsole(
  console: GuestConsole,
  io: CommandIo,
  isAlive: () => boolean,
): Promise<AttachOutcome> {
  const stdin = io.stdin;
  const ended = console.ended();
  const unsubscribe = console.subscribe((bytes) => io.stdout.write(bytes), 'unread');
  const savedInterrupt = stdin?.interruptHandler ?? null;
  if (stdin) stdin.interruptHandler = null;
  try {
    if (!isAlive()) return 'ended';
    let inputOpen = stdin !== null;
    for (;;) {
      const stop = new AbortController();
      const waitEnd = ended.then(() => ({ kind: 'end' as const }));
      const cancelled = new Promise<{ kind: 'cancel' }>((resolve) => {
        if (io.signal.aborted) resolve({ kind: 'cancel' });
        io.signal.addEventListener('abort', () => resolve({ kind: 'cancel' }), {
          once: true,
          signal: stop.signal,
        });
      });
      const contenders: Promise<
        { kind: 'end' } | { kind: 'cancel' } | { kind: 'input'; bytes: Uint8Array | null }
      >[] = [waitEnd, cancelled];
      if (inputOpen && stdin)
        contenders.push(
          stdin.read(stop.signal).then((bytes) => ({ kind: 'input' as const, bytes })),
        );
      const r = await Promise.race(contenders);
      stop.abort();
      if (r.kind === 'end') return 'ended';
      if (r.kind === 'cancel') return 'cancelled';
      if (r.bytes === null) {
        inputOpen = false;
        continue;
      }
      const esc = r.bytes.indexOf(CONSOLE_ESCAPE);
      if (esc >= 0) {
        console.input(r.bytes.subarray(0, esc));
        stdin?.unread(r.bytes.subarray(esc + 1));
        return 'detached';
      }
      console.input(r.bytes);
    }
  } finally {
    unsubscribe();
    console.flush();
    if (stdin) stdin.interruptHandler = savedInterrupt;
  }
}
