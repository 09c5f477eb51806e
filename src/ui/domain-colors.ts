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

/** WCAG 2 relative luminance of a #rrggbb colour (WCAG 2.2, "relative luminance"). */
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio of two #rrggbb colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The text colour for a label on a domain's colour: white or black, whichever
 * contrasts more — the palette's lighter hues fail 4.5:1 with white text
 * (WCAG 2 SC 1.4.3).
 */
export function textOn(background: string): string {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#000000')
    ? '#ffffff'
    : '#000000';
}
