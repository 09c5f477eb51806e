import type { MacAddress } from './ethernet';

/**
 * A guest NIC's MAC when its vif line names none. libxl picks a random one
 * in Xen's OUI 00:16:3e; ours hashes (salt, domain name, devid) so it is
 * known before the domain is built (the NE2000's PROM and DTB carry it) and
 * stays the same across reboots. The salt is the VM server's, random per
 * boot in the browser, so two tabs on one host wire do not collide.
 */
export function guestMac(salt: number, name: string, devid: number): MacAddress {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (const ch of `${salt}:${name}:${devid}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // 00:16:3e:00:00:xx is Domain-0's and the host NIC's: keep guests above it.
  const b = [((h >>> 16) & 0x7f) | 0x10, (h >>> 8) & 0xff, h & 0xff];
  return ['00', '16', '3e', ...b.map((x) => x.toString(16).padStart(2, '0'))].join(':');
}
