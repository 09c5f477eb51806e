import type { DomainSummary } from './api-types.ts';

/**
 * What each guest's I/O goes through, layer by layer, named for the
 * architecture and I/O path views: the guest's own driver, how it reaches
 * the VMM (trapped accesses, i.e. VM exits, for HVM; hypercalls and event
 * channels for PV), and the part of the VM server that serves it (a device
 * model for HVM, a back end for PV). Built from what the worker reports:
 * the HVM device models' access counters, the VMM's exit counters, and the
 * PV devices listed in xenstore.
 */

export interface DevicePath {
  /** Device model id ("com1") or PV device kind ("vbd", "console"). */
  readonly id: string;
  readonly guestDriver: string;
  /** What serves it in the VM server. */
  readonly server: string;
  readonly serverKind: 'device model' | 'back end';
  /** Exit-counter reasons that belong to this device. */
  readonly reasons: readonly string[];
  /** Total of those counters. */
  readonly exits: number;
  /** Device-model register accesses (HVM). */
  readonly accesses: number;
  /** What the device stands for on the host ("host disk", "host NIC", "the console"). */
  readonly host: string;
}

interface Known {
  readonly guest: string;
  readonly server: string;
  readonly host: string;
}

const HVM_DEVICES: Record<string, Known> = {
  com1: {
    guest: '16550 UART driver (serial console)',
    server: 'UART 16550 model (COM1)',
    host: 'console (xl console)',
  },
  ps2: {
    guest: 'i8042 / PS/2 keyboard driver',
    server: 'i8042 + PS/2 keyboard model',
    host: 'keys from the page',
  },
  rtc: { guest: 'MC146818 RTC driver', server: 'MC146818 RTC model', host: 'host clock' },
  vga: {
    guest: 'VGA text / Bochs VBE driver',
    server: 'VGA + VBE model',
    host: 'screen on the page',
  },
  ide0: { guest: 'ATA PIO (IDE) disk driver', server: 'IDE controller model', host: 'host disk' },
  ide: { guest: 'ATA PIO (IDE) disk driver', server: 'IDE controller model', host: 'host disk' },
  ne2000: { guest: 'NE2000 NIC driver', server: 'NE2000 model', host: 'host network (xenbr0)' },
};

const PV_DEVICES: Record<string, Known> = {
  console: {
    guest: 'xencons front end',
    server: 'console back end (xenconsoled)',
    host: 'console (xl console)',
  },
  xenstore: { guest: 'xenbus (xenstore client)', server: 'xenstored', host: 'VM server state' },
  vbd: { guest: 'blkfront (PV disk)', server: 'blkback', host: 'host disk' },
  vif: { guest: 'netfront (PV NIC)', server: 'netback', host: 'host network (xenbr0)' },
};

/** Which exit reasons belong to an HVM device model ("port:com1", "mmio:vga-text" → vga). */
function reasonsOf(id: string, exits: Record<string, number>): string[] {
  return Object.keys(exits).filter((r) => {
    const m = /^(?:port|mmio):(.+)$/.exec(r);
    return (
      m?.[1] !== undefined && (m[1] === id || m[1].startsWith(`${id}-`) || m[1].startsWith(id))
    );
  });
}

/** PV hypercalls a back end is reached through. */
function pvReasons(kind: string, exits: Record<string, number>): string[] {
  return Object.keys(exits).filter((r) => {
    if (kind === 'console') return r.startsWith('hypercall:console_io') || r.startsWith('sbi:DBCN');
    if (kind === 'vbd' || kind === 'vif' || kind === 'xenstore')
      return r === 'hypercall:event_channel_op.send' || r.startsWith('hypercall:grant_table_op');
    return false;
  });
}

const sum = (exits: Record<string, number>, reasons: readonly string[]): number =>
  reasons.reduce((n, r) => n + (exits[r] ?? 0), 0);

export function devicePaths(
  d: DomainSummary,
  exits: Record<string, number>,
  accesses: Record<string, Record<string, number>>,
  pvDevices: readonly string[],
): DevicePath[] {
  if (d.type === 'hvm') {
    return Object.entries(accesses).map(([id, regs]) => {
      const k = HVM_DEVICES[id] ?? { guest: `${id} driver`, server: `${id} model`, host: '' };
      const reasons = reasonsOf(id, exits);
      return {
        id,
        guestDriver: k.guest,
        server: k.server,
        serverKind: 'device model' as const,
        reasons,
        exits: sum(exits, reasons),
        accesses: Object.values(regs).reduce((a, b) => a + b, 0),
        host: k.host,
      };
    });
  }
  const kinds = ['console', 'xenstore', ...pvDevices.filter((k) => k !== 'console')];
  return [...new Set(kinds)].map((id) => {
    const k = PV_DEVICES[id] ?? { guest: `${id} front end`, server: `${id} back end`, host: '' };
    const reasons = pvReasons(id, exits);
    return {
      id,
      guestDriver: k.guest,
      server: k.server,
      serverKind: 'back end' as const,
      reasons,
      exits: sum(exits, reasons),
      accesses: 0,
      host: k.host,
    };
  });
}

/** The device kinds under /local/domain/N/device, from `xenstore-ls` output (children are indented). */
export function xenstoreDeviceKinds(listing: string): string[] {
  return (
    listing
      .split('\n')
      .filter((l) => /^[A-Za-z0-9_-]+ = /.test(l))
      .map((l) => l.slice(0, l.indexOf(' = ')))
      // device/suspend/event-channel is the suspend protocol's node, not a device.
      .filter((k) => k !== 'suspend')
  );
}

/** Exit reasons split the way the views show them. */
export function splitReasons(exits: Record<string, number>): {
  exits: [string, number][];
  hypercalls: [string, number][];
} {
  const e: [string, number][] = [];
  const h: [string, number][] = [];
  for (const [r, n] of Object.entries(exits)) {
    if (r.startsWith('hypercall:') || r.startsWith('sbi:')) h.push([r, n]);
    else e.push([r, n]);
  }
  const byCount = (a: [string, number], b: [string, number]): number =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
  return { exits: e.sort(byCount), hypercalls: h.sort(byCount) };
}
