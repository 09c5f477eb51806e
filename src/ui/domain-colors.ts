/**
 * One colour per domain, the same in every graph and view: Domain-0 in the
 * host's indigo, guests from a palette chosen to stay apart for the common
 * colour-vision deficiencies (Okabe–Ito, darkened for white backgrounds),
 * handed out in the order domains are first seen.
 */
const PALETTE = [
  '#d55e00',
  '#0072b2',
  '#009e73',
  '#cc79a7',
  '#b8860b',
  '#56b4e9',
  '#7a4fb5',
  '#8c564b',
];
const assigned = new Map<string, string>([['Domain-0', '#5146b8']]);

export function domainColor(name: string): string {
  let c = assigned.get(name);
  if (!c) {
    c = PALETTE[(assigned.size - 1) % PALETTE.length] as string;
    assigned.set(name, c);
  }
  return c;
}
