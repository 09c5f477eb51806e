/**
 * Code page 437 (the VGA ROM character set) to Unicode, for text snapshots of
 * the screen: the graphic forms of 0x01–0x1F and 0x7F (what the glyphs show,
 * not the C0 controls), 0x80–0xFF as Unicode's CP437 mapping. 0x00 and 0xFF
 * draw blank and become plain spaces.
 */
const ROWS: readonly string[] = [
  ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼',
  ' !"#$%&\'()*+,-./0123456789:;<=>?',
  '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_',
  '`abcdefghijklmnopqrstuvwxyz{|}~⌂',
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒ',
  'áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐',
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀',
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ',
];

export const CP437: readonly string[] = [...ROWS.join('')];

/** The character a code point shows as. */
export function cp437ToUnicode(code: number): string {
  return CP437[code & 0xff] ?? ' ';
}
