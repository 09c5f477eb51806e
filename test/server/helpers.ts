import { MemoryFileStore } from '../../src/server/files/memory-file-store.ts';
import { writeText } from '../../src/server/files/file-store.ts';
import type { GuestConsole } from '../../src/server/toolstack/guest-console.ts';
import { VmServer, type VmServerOptions } from '../../src/server/vm-server.ts';
import { guestImage } from './guests/guests.ts';

/**
 * A VM server on a memory tree holding the two test guests under /guests and
 * any definitions given (path → xl.cfg text), the VMM in real time (guests
 * run as fast as the host allows, sleeping when they wait).
 */
export async function bootTestServer(
  configs: Record<string, string> = {},
  opts: VmServerOptions = {},
): Promise<VmServer> {
  const files = new MemoryFileStore();
  await files.mkdir('/etc/xen/vm', { parents: true });
  await files.mkdir('/guests');
  await files.writeFile('/guests/hvm-echo.elf', guestImage('hvm-echo.elf'));
  await files.writeFile('/guests/pv-echo.elf', guestImage('pv-echo.elf'));
  for (const [path, text] of Object.entries(configs)) await writeText(files, path, text);
  return VmServer.boot({ files, vmm: { timeMode: 'realtime', hostMemoryMiB: 256 }, ...opts });
}

export const HVM_CFG = (name: string, extra = ''): string =>
  `name = "${name}"\ntype = "hvm"\nmemory = 16\nkernel = "/guests/hvm-echo.elf"\n${extra}`;
export const PV_CFG = (name: string, extra = ''): string =>
  `name = "${name}"\ntype = "pv"\nmemory = 16\nkernel = "/guests/pv-echo.elf"\n${extra}`;

/** Resolves when `cond` holds, polling; rejects after `ms`. */
export async function until(
  cond: () => boolean,
  what: string | (() => string),
  ms = 10_000,
): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until a guest's console output (its whole history) matches. */
export async function consoleShows(
  c: GuestConsole,
  pattern: RegExp | string,
  ms = 10_000,
): Promise<string> {
  const test = (): boolean =>
    typeof pattern === 'string' ? c.text().includes(pattern) : pattern.test(c.text());
  await until(
    test,
    () => `console of ${c.name} to show ${String(pattern)}; it shows ${JSON.stringify(c.text())}`,
    ms,
  );
  return c.text();
}
