/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum of the data taken as big-endian 16-bit words. IPv4 headers,
 * ICMP messages and UDP datagrams (with their pseudo-header) all use it.
 *
 * The sum is kept in a plain number and folded at the end (RFC 1071 §2(C),
 * "deferred carries"): 2^53 is room for far more than a 64 KiB datagram.
 */

/**
 * One's complement sum of `length` bytes at `offset`, added to `initial`
 * (a previous partial sum, e.g. a pseudo-header's), folded to 16 bits.
 * An odd trailing byte counts as the high byte of a word padded with zero
 * (RFC 1071 §4.1).
 */
export function onesComplementSum(
  data: Uint8Array,
  offset = 0,
  length = data.length - offset,
  initial = 0,
): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  if (i < end) sum += (data[i] ?? 0) << 8;
  return fold(sum);
}

/** End-around carry until the sum fits 16 bits (RFC 1071 §2(C)). */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * The checksum to store: the complement of the sum. Computed over data
 * whose checksum field is zero it is the value to write there; computed
 * over data with a correct checksum in place it is 0 (RFC 1071 §1(3)).
 */
export function internetChecksum(
  data: Uint8Array,
  offset = 0,
  length = data.length - offset,
  initial = 0,
): number {
  return ~onesComplementSum(data, offset, length, initial) & 0xffff;
}
