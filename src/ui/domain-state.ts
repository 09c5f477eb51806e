/**
 * xl's state column (xl list(1)): six positions, r running, b blocked,
 * p paused, s shutdown, c crashed, d dying. One word for the desktop, the
 * most telling flag first (a crashed domain may also be paused).
 */
const PRIORITY: readonly [string, string][] = [
  ['c', 'crashed'],
  ['d', 'dying'],
  ['s', 'shut down'],
  ['p', 'paused'],
  ['r', 'running'],
  ['b', 'blocked'],
];

export function stateWord(letters: string): string {
  for (const [flag, word] of PRIORITY) if (letters.includes(flag)) return word;
  return 'idle';
}
