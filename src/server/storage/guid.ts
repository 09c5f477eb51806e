/**
 * EFI GUIDs (UEFI 2.x Appendix A): the text form is
 * XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, but on disk the first three fields
 * are little-endian and the last two are bytes in order ("mixed endian").
 */

export type RandomSource = (bytes: Uint8Array) => void;

export const cryptoRandom: RandomSource = (bytes) => {
  crypto.getRandomValues(bytes);
};

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/** Byte i of the on-disk form comes from hex byte ORDER[i] of the text form. */
const ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

export function encodeGuid(text: string, out: Uint8Array, at = 0): void {
  if (!isGuid(text)) throw new RangeError(`not a GUID: ${text}`);
  const hex = text.replace(/-/g, '');
  ORDER.forEach((src, i) => {
    out[at + i] = parseInt(hex.slice(src * 2, src * 2 + 2), 16);
  });
}

export function decodeGuid(bytes: Uint8Array, at = 0): string {
  const hex = new Array<string>(16);
  ORDER.forEach((src, i) => {
    hex[src] = (bytes[at + i] as number).toString(16).padStart(2, '0');
  });
  const h = hex.join('').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A random (version 4, RFC 4122 variant) GUID. */
export function randomGuid(random: RandomSource = cryptoRandom): string {
  const b = new Uint8Array(16);
  random(b);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = [...b]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const NIL_GUID = '00000000-0000-0000-0000-000000000000';
