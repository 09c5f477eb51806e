/** Small formatters the views share (sizes, times, counts). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 536870912000 → "500 GiB"; binary units as the GPT tools print them. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = v >= 100 || u === 0 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits).replace(/\.0+$/, '')} ${UNITS[u]}`;
}

/** 12345678 → "12,345,678". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1234.5 → "1.2k", for graph axes and rates. */
export function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 && n > 0 ? 1 : 0);
}

/** CPU time as xl list's Time(s) column: seconds with one decimal. */
export function formatCpuSeconds(ns: number): string {
  return (ns / 1e9).toFixed(1);
}

/** 0x1234 with at least `digits` hex digits. */
export function hex(n: number, digits = 8): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
