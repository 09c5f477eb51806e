/**
 * PC keyboard scan codes for the keys of a US 104-key keyboard (plus the ISO
 * 102nd key), by browser `KeyboardEvent.code` (W3C UI Events KeyboardEvent
 * code values). Set 1 is the XT set, set 2 the AT/PS-2 set a keyboard sends
 * after reset (Microsoft, "Keyboard Scan Code Specification" rev. 1.3a,
 * appendix C, columns "Scan 1 Make" and "Scan 2 Make").
 *
 * Breaks follow the rules of that specification: set 1 sets bit 7 of the last
 * byte (E0 prefixes stay), set 2 puts F0 before it. Print Screen and Pause
 * have their own sequences (Pause sends no break at all).
 */

export interface KeyScancodes {
  /** KeyboardEvent.code. */
  readonly code: string;
  readonly set1: readonly number[];
  readonly set2: readonly number[];
  /** Only where the rule above does not give the break. */
  readonly set1Break?: readonly number[];
  readonly set2Break?: readonly number[];
}

const k = (code: string, set1: number[], set2: number[]): KeyScancodes => ({ code, set1, set2 });
const E0 = 0xe0;

export const KEY_SCANCODES: readonly KeyScancodes[] = [
  // Function row
  k('Escape', [0x01], [0x76]),
  k('F1', [0x3b], [0x05]),
  k('F2', [0x3c], [0x06]),
  k('F3', [0x3d], [0x04]),
  k('F4', [0x3e], [0x0c]),
  k('F5', [0x3f], [0x03]),
  k('F6', [0x40], [0x0b]),
  k('F7', [0x41], [0x83]),
  k('F8', [0x42], [0x0a]),
  k('F9', [0x43], [0x01]),
  k('F10', [0x44], [0x09]),
  k('F11', [0x57], [0x78]),
  k('F12', [0x58], [0x07]),
  {
    code: 'PrintScreen',
    set1: [E0, 0x2a, E0, 0x37],
    set2: [E0, 0x12, E0, 0x7c],
    set1Break: [E0, 0xb7, E0, 0xaa],
    set2Break: [E0, 0xf0, 0x7c, E0, 0xf0, 0x12],
  },
  k('ScrollLock', [0x46], [0x7e]),
  {
    code: 'Pause',
    set1: [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5],
    set2: [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77],
    set1Break: [],
    set2Break: [],
  },
  // Number row
  k('Backquote', [0x29], [0x0e]),
  k('Digit1', [0x02], [0x16]),
  k('Digit2', [0x03], [0x1e]),
  k('Digit3', [0x04], [0x26]),
  k('Digit4', [0x05], [0x25]),
  k('Digit5', [0x06], [0x2e]),
  k('Digit6', [0x07], [0x36]),
  k('Digit7', [0x08], [0x3d]),
  k('Digit8', [0x09], [0x3e]),
  k('Digit9', [0x0a], [0x46]),
  k('Digit0', [0x0b], [0x45]),
  k('Minus', [0x0c], [0x4e]),
  k('Equal', [0x0d], [0x55]),
  k('Backspace', [0x0e], [0x66]),
  // Top letter row
  k('Tab', [0x0f], [0x0d]),
  k('KeyQ', [0x10], [0x15]),
  k('KeyW', [0x11], [0x1d]),
  k('KeyE', [0x12], [0x24]),
  k('KeyR', [0x13], [0x2d]),
  k('KeyT', [0x14], [0x2c]),
  k('KeyY', [0x15], [0x35]),
  k('KeyU', [0x16], [0x3c]),
  k('KeyI', [0x17], [0x43]),
  k('KeyO', [0x18], [0x44]),
  k('KeyP', [0x19], [0x4d]),
  k('BracketLeft', [0x1a], [0x54]),
  k('BracketRight', [0x1b], [0x5b]),
  k('Backslash', [0x2b], [0x5d]),
  // Home row
  k('CapsLock', [0x3a], [0x58]),
  k('KeyA', [0x1e], [0x1c]),
  k('KeyS', [0x1f], [0x1b]),
  k('KeyD', [0x20], [0x23]),
  k('KeyF', [0x21], [0x2b]),
  k('KeyG', [0x22], [0x34]),
  k('KeyH', [0x23], [0x33]),
  k('KeyJ', [0x24], [0x3b]),
  k('KeyK', [0x25], [0x42]),
  k('KeyL', [0x26], [0x4b]),
  k('Semicolon', [0x27], [0x4c]),
  k('Quote', [0x28], [0x52]),
  k('Enter', [0x1c], [0x5a]),
  // Bottom letter row
  k('ShiftLeft', [0x2a], [0x12]),
  k('IntlBackslash', [0x56], [0x61]),
  k('KeyZ', [0x2c], [0x1a]),
  k('KeyX', [0x2d], [0x22]),
  k('KeyC', [0x2e], [0x21]),
  k('KeyV', [0x2f], [0x2a]),
  k('KeyB', [0x30], [0x32]),
  k('KeyN', [0x31], [0x31]),
  k('KeyM', [0x32], [0x3a]),
  k('Comma', [0x33], [0x41]),
  k('Period', [0x34], [0x49]),
  k('Slash', [0x35], [0x4a]),
  k('ShiftRight', [0x36], [0x59]),
  // Space row
  k('ControlLeft', [0x1d], [0x14]),
  k('MetaLeft', [E0, 0x5b], [E0, 0x1f]),
  k('AltLeft', [0x38], [0x11]),
  k('Space', [0x39], [0x29]),
  k('AltRight', [E0, 0x38], [E0, 0x11]),
  k('MetaRight', [E0, 0x5c], [E0, 0x27]),
  k('ContextMenu', [E0, 0x5d], [E0, 0x2f]),
  k('ControlRight', [E0, 0x1d], [E0, 0x14]),
  // Editing and cursor block
  k('Insert', [E0, 0x52], [E0, 0x70]),
  k('Home', [E0, 0x47], [E0, 0x6c]),
  k('PageUp', [E0, 0x49], [E0, 0x7d]),
  k('Delete', [E0, 0x53], [E0, 0x71]),
  k('End', [E0, 0x4f], [E0, 0x69]),
  k('PageDown', [E0, 0x51], [E0, 0x7a]),
  k('ArrowUp', [E0, 0x48], [E0, 0x75]),
  k('ArrowLeft', [E0, 0x4b], [E0, 0x6b]),
  k('ArrowDown', [E0, 0x50], [E0, 0x72]),
  k('ArrowRight', [E0, 0x4d], [E0, 0x74]),
  // Numeric keypad
  k('NumLock', [0x45], [0x77]),
  k('NumpadDivide', [E0, 0x35], [E0, 0x4a]),
  k('NumpadMultiply', [0x37], [0x7c]),
  k('NumpadSubtract', [0x4a], [0x7b]),
  k('Numpad7', [0x47], [0x6c]),
  k('Numpad8', [0x48], [0x75]),
  k('Numpad9', [0x49], [0x7d]),
  k('NumpadAdd', [0x4e], [0x79]),
  k('Numpad4', [0x4b], [0x6b]),
  k('Numpad5', [0x4c], [0x73]),
  k('Numpad6', [0x4d], [0x74]),
  k('Numpad1', [0x4f], [0x69]),
  k('Numpad2', [0x50], [0x72]),
  k('Numpad3', [0x51], [0x7a]),
  k('NumpadEnter', [E0, 0x1c], [E0, 0x5a]),
  k('Numpad0', [0x52], [0x70]),
  k('NumpadDecimal', [0x53], [0x71]),
];

const BY_CODE: ReadonlyMap<string, KeyScancodes> = new Map(
  KEY_SCANCODES.map((key) => [key.code, key]),
);

export type ScancodeSet = 1 | 2;

/** The bytes a keyboard in scan code set `set` sends for a key press or release; undefined for an unknown code. */
export function scancodesFor(code: string, set: ScancodeSet, down: boolean): number[] | undefined {
  const key = BY_CODE.get(code);
  if (!key) return undefined;
  const make = set === 1 ? key.set1 : key.set2;
  if (down) return [...make];
  const explicit = set === 1 ? key.set1Break : key.set2Break;
  if (explicit) return [...explicit];
  const last = make[make.length - 1] ?? 0;
  const prefix = make.slice(0, -1);
  return set === 1 ? [...prefix, last | 0x80] : [...prefix, 0xf0, last];
}

/**
 * The 8042's set-2 → set-1 translation (the controller's "scan code
 * conversion", command byte bit 6): the keyboard keeps sending set 2, the
 * controller hands the system set 1, turning F0 xx into xx's code with bit 7
 * set. Entries 0x00–0x7F map each set-2 code to the set-1 code of the same
 * key; 0x80–0xFF pass through except 0x83 (F7) and 0x84 (Alt+SysRq). Values as
 * the IBM 8042 firmware's table, as carried by QEMU's hw/input/ps2.c.
 */
export const I8042_TRANSLATION: Uint8Array = (() => {
  const low = [
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
  ];
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = low[i] ?? i;
  t[0x83] = 0x41;
  t[0x84] = 0x54;
  return t;
})();

/** The 8042's translation state: whether the last byte was a set-2 break prefix. */
export class Set2ToSet1Translator {
  breakPending = false;

  /** The byte the system sees for `byte`, or null when it is swallowed (F0). */
  translate(byte: number): number | null {
    if (byte === 0xf0) {
      this.breakPending = true;
      return null;
    }
    const t = I8042_TRANSLATION[byte & 0xff] ?? byte;
    const out = this.breakPending ? t | 0x80 : t;
    this.breakPending = false;
    return out;
  }
}

/** A whole sequence through a fresh translator (for tables and tests). */
export function translateSet2(bytes: readonly number[]): number[] {
  const tr = new Set2ToSet1Translator();
  const out: number[] = [];
  for (const b of bytes) {
    const t = tr.translate(b);
    if (t !== null) out.push(t);
  }
  return out;
}

/** How to type a character on a US layout: the key and whether Shift is held. */
export interface TypedKey {
  code: string;
  shift: boolean;
}

const US_SYMBOLS: ReadonlyArray<readonly [string, string, string]> = [
  // [unshifted, shifted, code]
  ['1', '!', 'Digit1'],
  ['2', '@', 'Digit2'],
  ['3', '#', 'Digit3'],
  ['4', '$', 'Digit4'],
  ['5', '%', 'Digit5'],
  ['6', '^', 'Digit6'],
  ['7', '&', 'Digit7'],
  ['8', '*', 'Digit8'],
  ['9', '(', 'Digit9'],
  ['0', ')', 'Digit0'],
  ['-', '_', 'Minus'],
  ['=', '+', 'Equal'],
  ['[', '{', 'BracketLeft'],
  [']', '}', 'BracketRight'],
  ['\\', '|', 'Backslash'],
  [';', ':', 'Semicolon'],
  ["'", '"', 'Quote'],
  [',', '<', 'Comma'],
  ['.', '>', 'Period'],
  ['/', '?', 'Slash'],
  ['`', '~', 'Backquote'],
];

const US_LAYOUT: ReadonlyMap<string, TypedKey> = (() => {
  const m = new Map<string, TypedKey>();
  for (let c = 0; c < 26; c++) {
    const code = `Key${String.fromCharCode(65 + c)}`;
    m.set(String.fromCharCode(97 + c), { code, shift: false });
    m.set(String.fromCharCode(65 + c), { code, shift: true });
  }
  for (const [plain, shifted, code] of US_SYMBOLS) {
    m.set(plain, { code, shift: false });
    m.set(shifted, { code, shift: true });
  }
  m.set(' ', { code: 'Space', shift: false });
  m.set('\n', { code: 'Enter', shift: false });
  m.set('\r', { code: 'Enter', shift: false });
  m.set('\t', { code: 'Tab', shift: false });
  m.set('\b', { code: 'Backspace', shift: false });
  m.set('\x1b', { code: 'Escape', shift: false });
  return m;
})();

/** The key that types `ch` on a US keyboard, or undefined. */
export function usKeyFor(ch: string): TypedKey | undefined {
  return US_LAYOUT.get(ch);
}
