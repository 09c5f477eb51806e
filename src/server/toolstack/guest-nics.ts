import { Netback } from '../backends/netback.ts';
import type { EventPorts, GrantMapper } from '../backends/blkback.ts';
import type { XlConfig } from '../config/xl-config.ts';
import type { VifSpec } from '../config/vif-spec.ts';
import { Ne2000 } from '../device-models/ne2000.ts';
import { isaDevice, isaDtbDevice, isaIrqToPlic } from '../device-models/isa-port-map.ts';
import { parseMac, type EthernetLink, type MacAddress } from '../network/ethernet.ts';
import { guestMac } from '../network/guest-mac.ts';
import type { HostNetwork } from '../network/host-network.ts';
import type { XsConnection } from '../xenstore/xenstore.ts';
import { WiredDevice } from './hvm-device.ts';

/**
 * A guest's NICs as the toolstack wires them onto xenbr0 (the vif-bridge
 * hotplug script's part): an HVM guest's emulated NE2000 — built before the
 * domain, since its DTB node and PROM carry the MAC — and a PV guest's
 * netbacks, one per vif, started once the xenstore directories exist. Each
 * NIC is a port on the bridge named vifDOMID.DEVID (or its vifname), and
 * its MAC is registered with Domain-0's DHCP server (with the vif's ip=).
 */

/** Traffic of one NIC from the guest's side, as xentop counts it. */
export interface NicCounters {
  /** Frames and bytes the guest sent (NETTX). */
  readonly txFrames: number;
  readonly txBytes: number;
  /** Frames and bytes delivered to the guest (NETRX). */
  readonly rxFrames: number;
  readonly rxBytes: number;
  /** Frames for the guest dropped (a full receive ring, no posted buffers, not connected). */
  readonly rxDropped: number;
}

export interface GuestNic {
  readonly devid: number;
  readonly mac: MacAddress;
  /** The guest's driver's device: NE2000 (HVM) or netfront served by a netback (PV). */
  readonly kind: 'ne2000' | 'netback';
  /** Its port name on xenbr0. */
  readonly portName: string;
  counters(): NicCounters;
  /** Leave the bridge (and, for a netback, stop following the front end). */
  stop(): void;
}

/** The MAC of a vif: its own mac=, else derived from the domain name (see guestMac). */
export function vifMac(cfg: XlConfig, v: VifSpec, network: HostNetwork | null): MacAddress {
  return (
    v.mac?.toLowerCase() ??
    (network ? network.guestMac(cfg.name, v.devid) : guestMac(0, cfg.name, v.devid))
  );
}

function portName(v: VifSpec, domid: number): string {
  return v.vifname ?? `vif${domid}.${v.devid}`;
}

/**
 * An HVM guest's NE2000: the model and its DTB node now, its port on the
 * bridge when `join` is given the domain's id. Reboots reset the model
 * (WiredDevice) and keep the port.
 */
export class EmulatedNic implements GuestNic {
  readonly kind = 'ne2000';
  readonly device: WiredDevice<Ne2000>;
  private link: EthernetLink | null = null;
  private name = '';

  constructor(
    private readonly network: HostNetwork,
    private readonly vif: VifSpec,
    readonly mac: MacAddress,
    setIrq: (plicSource: number, level: boolean) => void,
  ) {
    const irq = isaIrqToPlic(isaDevice('ne2000').isaIrq ?? 0);
    const macBytes = parseMac(mac);
    const model = new Ne2000({
      mac: macBytes,
      irq: (level) => setIrq(irq, level),
      transmit: (frame) => this.link?.transmit(frame),
    });
    this.device = new WiredDevice<Ne2000>(
      'ne2000',
      model,
      isaDtbDevice('ne2000', { props: { 'local-mac-address': macBytes } }),
      { dispose: () => this.stop() },
    );
  }

  get devid(): number {
    return this.vif.devid;
  }

  get portName(): string {
    return this.name;
  }

  /** The domain exists: take its port on xenbr0 and register for DHCP. */
  join(domid: number, hostname: string): void {
    if (this.link) return;
    this.name = portName(this.vif, domid);
    const model = this.device.model;
    this.link = this.network.bridge.attach({
      name: this.name,
      deliver: (frame) => model.receive(frame),
    });
    this.network.addGuestNic(this.mac, { ...(this.vif.ip ? { ip: this.vif.ip } : {}), hostname });
  }

  counters(): NicCounters {
    const m = this.device.model;
    return {
      txFrames: m.framesTx,
      txBytes: m.bytesTx,
      rxFrames: m.framesRx,
      rxBytes: m.bytesRx,
      rxDropped: m.rxDropped,
    };
  }

  stop(): void {
    if (!this.link) return;
    this.link.detach();
    this.link = null;
    this.network.removeGuestNic(this.mac);
  }
}

/** What a netback needs of Domain-0. */
export interface PvNicEnvironment {
  readonly xs: XsConnection;
  readonly grants: GrantMapper;
  readonly events: EventPorts;
  readonly onProblem?: (message: string) => void;
}

/** A PV guest's vif: a netback on xenbr0, following the guest's netfront through xenstore. */
export class PvNic implements GuestNic {
  readonly kind = 'netback';
  readonly back: Netback;
  readonly devid: number;

  constructor(
    private readonly network: HostNetwork,
    vif: VifSpec,
    readonly mac: MacAddress,
    domid: number,
    hostname: string,
    env: PvNicEnvironment,
  ) {
    this.devid = vif.devid;
    this.back = new Netback({
      xs: env.xs,
      grants: env.grants,
      events: env.events,
      domid,
      devid: vif.devid,
      mac,
      attach: (port) => network.bridge.attach(port),
      ...(env.onProblem ? { onProblem: env.onProblem } : {}),
    });
    network.addGuestNic(mac, { ...(vif.ip ? { ip: vif.ip } : {}), hostname });
    this.back.start();
  }

  get portName(): string {
    return this.back.name;
  }

  counters(): NicCounters {
    const s = this.back.stats;
    return {
      txFrames: s.txFrames,
      txBytes: s.txBytes,
      rxFrames: s.rxFrames,
      rxBytes: s.rxBytes,
      rxDropped: s.rxDropped,
    };
  }

  stop(): void {
    this.back.stop();
    this.network.removeGuestNic(this.mac);
  }
}

/** xentop's NETS / NETTX / NETRX of a domain (bytes; xentop prints KiB). */
export interface NetTotals {
  readonly NETS: number;
  readonly NETTX: number;
  readonly NETRX: number;
}

export function netTotals(nics: readonly GuestNic[]): NetTotals {
  let tx = 0;
  let rx = 0;
  for (const n of nics) {
    const c = n.counters();
    tx += c.txBytes;
    rx += c.rxBytes;
  }
  return { NETS: nics.length, NETTX: tx, NETRX: rx };
}
