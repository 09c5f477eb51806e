/**
 * CRC-32 as GPT uses it (UEFI 2.x §5.3.2: "the CRC32 algorithm of ISO 3309"
 * — the reflected polynomial 0xEDB88320, initial value and final XOR
 * 0xFFFFFFFF, the same as zlib's crc32).
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++)
    c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
