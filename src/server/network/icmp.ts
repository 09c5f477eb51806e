import { internetChecksum } from './inet-checksum';
import { malformed, putWord, word, type ParseResult } from './ipv4';

/**
 * ICMP messages (RFC 792), of which Domain-0's stack speaks Echo and Echo
 * Reply: type, code, checksum over the whole message, then identifier,
 * sequence number and the data the reply must return unchanged.
 */

export const ICMP_HEADER_SIZE = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

export interface IcmpMessage {
  type: number;
  code: number;
  checksum: number;
  /** Bytes 4–5 and 6–7: identifier and sequence number for Echo / Echo Reply. */
  identifier: number;
  sequence: number;
  /** Everything after the 8-byte header. */
  data: Uint8Array;
}

/** Checks the length and the checksum over the whole message (RFC 792 "Echo or Echo Reply Message"). */
export function parseIcmp(bytes: Uint8Array): ParseResult<IcmpMessage> {
  if (bytes.length < ICMP_HEADER_SIZE) return malformed('icmp: truncated');
  if (internetChecksum(bytes) !== 0) return malformed('icmp: bad checksum');
  return {
    ok: true,
    packet: {
      type: bytes[0] ?? 0,
      code: bytes[1] ?? 0,
      checksum: word(bytes, 2),
      identifier: word(bytes, 4),
      sequence: word(bytes, 6),
      data: bytes.subarray(ICMP_HEADER_SIZE),
    },
  };
}

/** An Echo (type 8) or Echo Reply (type 0), code 0, checksum filled in. */
export function buildIcmpEcho(
  type: typeof ICMP_ECHO_REQUEST | typeof ICMP_ECHO_REPLY,
  identifier: number,
  sequence: number,
  data: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_SIZE + data.length);
  out[0] = type;
  out[1] = 0;
  putWord(out, 4, identifier);
  putWord(out, 6, sequence);
  out.set(data, ICMP_HEADER_SIZE);
  putWord(out, 2, internetChecksum(out));
  return out;
}
