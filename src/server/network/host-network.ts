import { Bridge } from './bridge';
import { describeFrame } from './frame-summary';
import type { DhcpClientRegistration } from './dhcp-server';
import { Dom0Interface } from './dom0-interface';
import { destinationMac, sourceMac, type MacAddress } from './ethernet';
import { guestMac } from './guest-mac';
import { HostNic } from './host-nic';
import type { HostWire } from './host-wire';
import { PcapWriter } from './pcap';

/**
 * The VM server's network, as a Xen host sets it up with vif-bridge:
 * the bridge xenbr0, Domain-0's own interface on it (10.0.0.1/24, answering
 * ARP, pings and DHCP for this tab's guests), the host NIC eth0 enslaved to
 * it and cabled to the host network wire, and a capture of every frame
 * that crosses the bridge (what `tcpdump -i xenbr0 -w` would keep). Guest
 * NICs — an NE2000 model or a netback — attach their own ports.
 */

export interface HostNetworkOptions {
  /** The host network wire; null or absent: no host NIC (guests still reach each other and Domain-0). */
  readonly wire?: HostWire | null;
  /** Frames the capture keeps (the newest; default 1000). */
  readonly captureFrames?: number;
  /** Salt of the guests' default MACs (guestMac); random by default, so tabs sharing a wire differ. */
  readonly macSalt?: number;
}

/** A frame that entered xenbr0, as the desktop's network view lists it. */
export interface FrameRecord {
  readonly seq: number;
  /** Unix epoch ms. */
  readonly timeMs: number;
  /** The port it came in on ("vif3.0", "xenbr0", "eth0"). */
  readonly ingress: string;
  readonly length: number;
  readonly source: MacAddress;
  readonly destination: MacAddress;
  /** tcpdump's one line for it. */
  readonly summary: string;
}

/** Frames the network view can ask for (the capture keeps more). */
const FRAME_TRACE = 200;

export class HostNetwork {
  readonly bridge = new Bridge({ name: 'xenbr0' });
  readonly dom0: Dom0Interface;
  readonly nic: HostNic | null;
  readonly capture: PcapWriter;
  readonly macSalt: number;
  private readonly stopCapture: () => void;
  private readonly stopTrace: () => void;
  private readonly trace: { seq: number; timeMs: number; ingress: string; frame: Uint8Array }[] =
    [];
  private seq = 0;

  constructor(readonly opts: HostNetworkOptions = {}) {
    this.macSalt = opts.macSalt ?? Math.floor(Math.random() * 2 ** 32);
    // Every tab's Domain-0 is 10.0.0.1 on one 10.0.0.0/16 LAN, but on a shared wire their MACs
    // must differ (the bridges learn them) and so must the addresses they hand out: each tab
    // leases from its own 10.0.N.100–199, so guests of two tabs can ping each other.
    const lan = HostNetwork.lanOf(this.macSalt);
    this.dom0 = new Dom0Interface({
      mac: guestMac(this.macSalt, 'Domain-0', 0),
      prefixLength: 16,
      poolFirst: `10.0.${lan}.100`,
      poolLast: `10.0.${lan}.199`,
    });
    this.dom0.connect(this.bridge.attach(this.dom0));
    this.nic = opts.wire ? new HostNic(this.bridge, opts.wire) : null;
    this.capture = new PcapWriter({ capacity: opts.captureFrames ?? 1000 });
    this.stopCapture = this.capture.attach(this.bridge);
    this.stopTrace = this.bridge.onFrame((e) => {
      this.trace.push({ seq: ++this.seq, timeMs: e.timeMs, ingress: e.ingress, frame: e.frame });
      if (this.trace.length > FRAME_TRACE) this.trace.shift();
    });
  }

  /** The newest frames that entered the bridge (after `afterSeq`), oldest first, decoded. */
  recentFrames(afterSeq = 0, limit = 50): FrameRecord[] {
    return this.trace
      .filter((r) => r.seq > afterSeq)
      .slice(-limit)
      .map((r) => ({
        seq: r.seq,
        timeMs: r.timeMs,
        ingress: r.ingress,
        length: r.frame.length,
        source: sourceMac(r.frame),
        destination: destinationMac(r.frame),
        summary: describeFrame(r.frame),
      }));
  }

  /** The third octet of the addresses a VM server with this salt leases (1–250). */
  static lanOf(macSalt: number): number {
    return 1 + (macSalt % 250);
  }

  /** Lines for the boot log. */
  describe(): string[] {
    const d = this.dom0;
    return [
      `bridge ${this.bridge.name}: Domain-0 at ${d.ip}/${d.prefixLength} (${d.mac}), DHCP server for this tab's guests (10.0.${HostNetwork.lanOf(this.macSalt)}.100–199)`,
      this.nic
        ? `host NIC ${this.nic.describe()}`
        : 'host NIC: none (no host network wire here); guests reach each other and Domain-0',
    ];
  }

  /** The MAC of a guest's vif `devid` when its vif line names none. */
  guestMac(name: string, devid: number): MacAddress {
    return guestMac(this.macSalt, name, devid);
  }

  /** A guest NIC joins: its MAC is served by Domain-0's DHCP (its vif `ip=` if set). */
  addGuestNic(mac: MacAddress, registration: DhcpClientRegistration = {}): void {
    this.dom0.registerClient(mac, registration);
  }

  removeGuestNic(mac: MacAddress): void {
    this.dom0.unregisterClient(mac);
  }

  close(): void {
    this.stopCapture();
    this.stopTrace();
    this.nic?.close();
    this.opts.wire?.close();
    this.dom0.disconnect();
  }
}
