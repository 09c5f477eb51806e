/**
 * Ethernet frames as the VM server's network moves them (IEEE 802.3 without
 * preamble and FCS: destination MAC, source MAC, EtherType, payload), and
 * the two sides of a port on the bridge xenbr0.
 *
 * A port is anything that puts frames on the bridge and takes frames from
 * it: a guest's vif (its netback or its NE2000 model), Domain-0's own
 * interface on the bridge, the host NIC. A transmitted frame belongs to the
 * bridge from then on and is never changed by anyone; a receiver copies
 * what it keeps.
 */

/** "00:16:3e:12:34:56", lower case, as xl and xenstore write it. */
export type MacAddress = string;

export const ETH_HEADER_SIZE = 14;
/** Shortest frame on the wire without FCS: a shorter one is padded (802.3 §3.2.7). */
export const ETH_MIN_FRAME = 60;
/** Header + 1500-byte MTU payload. */
export const ETH_MAX_FRAME = 1514;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;

export const BROADCAST_MAC: MacAddress = 'ff:ff:ff:ff:ff:ff';

/** The six bytes of "aa:bb:cc:dd:ee:ff"; throws on anything else. */
export function parseMac(mac: MacAddress): Uint8Array {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p)))
    throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/** Six bytes at `offset` as "aa:bb:cc:dd:ee:ff". */
export function formatMac(bytes: Uint8Array, offset = 0): MacAddress {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push((bytes[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return out.join(':');
}

export function destinationMac(frame: Uint8Array): MacAddress {
  return formatMac(frame, 0);
}

export function sourceMac(frame: Uint8Array): MacAddress {
  return formatMac(frame, 6);
}

export function etherType(frame: Uint8Array): number {
  return ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
}

/** Group bit of the destination (802.3 §3.2.3): broadcast and multicast. */
export function isGroupAddress(frame: Uint8Array): boolean {
  return ((frame[0] ?? 0) & 1) !== 0;
}

/** The bridge's side of a port: what the port calls to send. */
export interface EthernetLink {
  /** Put a frame on the bridge (ETH_HEADER_SIZE..ETH_MAX_FRAME bytes; others are dropped and counted). */
  transmit(frame: Uint8Array): void;
  /** Leave the bridge. */
  detach(): void;
}

/** The port's side: what the bridge calls to deliver. */
export interface EthernetPort {
  /** "vif3.0", "eth0", "xenbr0" (Domain-0's own interface). */
  readonly name: string;
  /**
   * A frame for this port. Returns false when the port had no room and
   * dropped it (a full NE2000 receive ring, no posted netfront buffers).
   */
  deliver(frame: Uint8Array): boolean;
}
