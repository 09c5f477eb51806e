import { describe, expect, it } from 'vitest';
import {
  I8042_TRANSLATION,
  KEY_SCANCODES,
  scancodesFor,
  translateSet2,
  usKeyFor,
} from '../../../src/server/device-models/scancodes';

describe('scan code tables', () => {
  // Samples from the Keyboard Scan Code Specification, appendix C (make/break per set).
  it.each([
    ['KeyA', [0x1c], [0xf0, 0x1c], [0x1e], [0x9e]],
    ['ArrowUp', [0xe0, 0x75], [0xe0, 0xf0, 0x75], [0xe0, 0x48], [0xe0, 0xc8]],
    ['Enter', [0x5a], [0xf0, 0x5a], [0x1c], [0x9c]],
    ['NumpadEnter', [0xe0, 0x5a], [0xe0, 0xf0, 0x5a], [0xe0, 0x1c], [0xe0, 0x9c]],
    ['ShiftLeft', [0x12], [0xf0, 0x12], [0x2a], [0xaa]],
    ['ControlRight', [0xe0, 0x14], [0xe0, 0xf0, 0x14], [0xe0, 0x1d], [0xe0, 0x9d]],
    ['F1', [0x05], [0xf0, 0x05], [0x3b], [0xbb]],
    ['F7', [0x83], [0xf0, 0x83], [0x41], [0xc1]],
    ['F12', [0x07], [0xf0, 0x07], [0x58], [0xd8]],
    ['Digit1', [0x16], [0xf0, 0x16], [0x02], [0x82]],
    ['Space', [0x29], [0xf0, 0x29], [0x39], [0xb9]],
    ['MetaLeft', [0xe0, 0x1f], [0xe0, 0xf0, 0x1f], [0xe0, 0x5b], [0xe0, 0xdb]],
    ['NumpadDivide', [0xe0, 0x4a], [0xe0, 0xf0, 0x4a], [0xe0, 0x35], [0xe0, 0xb5]],
    [
      'PrintScreen',
      [0xe0, 0x12, 0xe0, 0x7c],
      [0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12],
      [0xe0, 0x2a, 0xe0, 0x37],
      [0xe0, 0xb7, 0xe0, 0xaa],
    ],
    [
      'Pause',
      [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77],
      [],
      [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5],
      [],
    ],
  ])('%s', (code, make2, break2, make1, break1) => {
    expect(scancodesFor(code, 2, true)).toEqual(make2);
    expect(scancodesFor(code, 2, false)).toEqual(break2);
    expect(scancodesFor(code, 1, true)).toEqual(make1);
    expect(scancodesFor(code, 1, false)).toEqual(break1);
  });

  it('covers the 104 keys of a US keyboard (plus the ISO 102nd key) once each', () => {
    const codes = KEY_SCANCODES.map((k) => k.code);
    expect(codes).toHaveLength(105);
    expect(new Set(codes).size).toBe(105);
    expect(new Set(KEY_SCANCODES.map((k) => k.set1.join())).size).toBe(105);
    expect(new Set(KEY_SCANCODES.map((k) => k.set2.join())).size).toBe(105);
    for (const c of ['KeyZ', 'F10', 'Backquote', 'ContextMenu', 'NumLock', 'Numpad0', 'End']) {
      expect(codes).toContain(c);
    }
  });

  // Two independent tables must agree: the 8042's translation turns every key's
  // set-2 sequence into its set-1 sequence, makes and breaks alike.
  it.each(KEY_SCANCODES.map((k) => [k.code]))(
    'translates %s from set 2 to set 1 as the 8042 does',
    (code) => {
      for (const down of [true, false]) {
        const set2 = scancodesFor(code, 2, down) ?? [];
        expect(translateSet2(set2)).toEqual(scancodesFor(code, 1, down));
      }
    },
  );

  it('passes prefixes, replies and the upper half through the translation', () => {
    for (const b of [0xe0, 0xe1, 0xfa, 0xaa, 0xee, 0xfe]) expect(I8042_TRANSLATION[b]).toBe(b);
    expect(I8042_TRANSLATION[0x83]).toBe(0x41);
    expect(I8042_TRANSLATION[0x00]).toBe(0xff);
  });

  it('knows no scan codes for codes a PC keyboard lacks', () => {
    expect(scancodesFor('MediaPlayPause', 2, true)).toBeUndefined();
  });

  it('types every printable ASCII character on a US layout', () => {
    for (let c = 0x20; c < 0x7f; c++) {
      const k = usKeyFor(String.fromCharCode(c));
      expect(k, String.fromCharCode(c)).toBeDefined();
      expect(scancodesFor(k?.code ?? '', 2, true)).toBeDefined();
    }
    expect(usKeyFor('A')).toEqual({ code: 'KeyA', shift: true });
    expect(usKeyFor('"')).toEqual({ code: 'Quote', shift: true });
    expect(usKeyFor('é')).toBeUndefined();
  });
});
