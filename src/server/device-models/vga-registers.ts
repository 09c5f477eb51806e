/**
 * VGA register file facts, after IBM's VGA/XGA Technical Reference and the
 * FreeVGA register pages (osdever.net/FreeVGA), with the read/write masks of
 * QEMU's hw/display/vga.c (sr_mask, gr_mask, the attribute controller cases)
 * and the register names of its vga_regs.h. Reset values are those the VGA
 * BIOS programs for mode 3 (80×25 colour text; vgabios vgatables.h, mode 0x03:
 * misc 0x67, CRTC model 1, attribute model 0, GC model 0, sequencer model 1),
 * because a RISC-V guest has no VGA BIOS to set the mode: it finds the card as
 * a PC's OS does after POST.
 */

/** I/O ports of the colour VGA (0x3C0–0x3DF). */
export const VgaPort = {
  ATTR_ADDR_DATA: 0x3c0,
  ATTR_DATA_READ: 0x3c1,
  MISC_WRITE_INPUT_STATUS0: 0x3c2,
  SEQ_INDEX: 0x3c4,
  SEQ_DATA: 0x3c5,
  DAC_PEL_MASK: 0x3c6,
  DAC_READ_INDEX_STATE: 0x3c7,
  DAC_WRITE_INDEX: 0x3c8,
  DAC_DATA: 0x3c9,
  FEATURE_READ: 0x3ca,
  MISC_READ: 0x3cc,
  GC_INDEX: 0x3ce,
  GC_DATA: 0x3cf,
  CRTC_INDEX: 0x3d4,
  CRTC_DATA: 0x3d5,
  INPUT_STATUS1_FEATURE_WRITE: 0x3da,
} as const;

/** Counter names, one per decoded port (FreeVGA's register names). */
export const VGA_PORT_NAMES: ReadonlyMap<number, string> = new Map([
  [VgaPort.ATTR_ADDR_DATA, 'attr-address/data'],
  [VgaPort.ATTR_DATA_READ, 'attr-data-read'],
  [VgaPort.MISC_WRITE_INPUT_STATUS0, 'misc-output-write/input-status-0'],
  [VgaPort.SEQ_INDEX, 'seq-address'],
  [VgaPort.SEQ_DATA, 'seq-data'],
  [VgaPort.DAC_PEL_MASK, 'dac-pel-mask'],
  [VgaPort.DAC_READ_INDEX_STATE, 'dac-read-address/state'],
  [VgaPort.DAC_WRITE_INDEX, 'dac-write-address'],
  [VgaPort.DAC_DATA, 'dac-data'],
  [VgaPort.FEATURE_READ, 'feature-control-read'],
  [VgaPort.MISC_READ, 'misc-output-read'],
  [VgaPort.GC_INDEX, 'gc-address'],
  [VgaPort.GC_DATA, 'gc-data'],
  [VgaPort.CRTC_INDEX, 'crtc-address'],
  [VgaPort.CRTC_DATA, 'crtc-data'],
  [VgaPort.INPUT_STATUS1_FEATURE_WRITE, 'input-status-1/feature-control-write'],
]);

/** Miscellaneous Output register bits. */
export const MISC = {
  /** I/O Address Select: 1 = CRTC at 0x3D4/0x3D5 and status at 0x3DA (colour), 0 = 0x3Bx (mono). */
  IO_ADDRESS_SELECT: 0x01,
  RAM_ENABLE: 0x02,
  /** Bit 4 does not exist on the VGA; QEMU stores `val & ~0x10`. */
  WRITE_MASK: 0xef,
} as const;

/** Sequencer registers (SR00–SR04). */
export const SR = {
  RESET: 0,
  CLOCKING_MODE: 1,
  MAP_MASK: 2,
  CHARACTER_MAP: 3,
  MEMORY_MODE: 4,
} as const;
/** SR01 bits: 8-dot character clock (else 9), screen off. */
export const SR01 = { DOTS_8: 0x01, SCREEN_OFF: 0x20 } as const;
/** Writable bits per sequencer index (QEMU sr_mask); the index register holds 3 bits. */
export const SR_MASK: readonly number[] = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff];
export const SR_INDEX_MASK = 0x07;

/** Graphics controller: writable bits per index (QEMU gr_mask); 4-bit index. */
export const GR_MASK: readonly number[] = [
  0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff, 0, 0, 0, 0, 0, 0, 0,
];
export const GR_INDEX_MASK = 0x0f;
/** GR06 Miscellaneous Graphics: bit 0 = graphics (not alphanumeric) mode. */
export const GR06_GRAPHICS_MODE = 0x01;

/** CRT controller register indices (FreeVGA "CRT Controller Registers"). */
export const CR = {
  H_TOTAL: 0x00,
  H_DISPLAY_END: 0x01,
  OVERFLOW: 0x07,
  MAX_SCAN_LINE: 0x09,
  CURSOR_START: 0x0a,
  CURSOR_END: 0x0b,
  START_ADDRESS_HIGH: 0x0c,
  START_ADDRESS_LOW: 0x0d,
  CURSOR_LOCATION_HIGH: 0x0e,
  CURSOR_LOCATION_LOW: 0x0f,
  V_RETRACE_END: 0x11,
  V_DISPLAY_END: 0x12,
  OFFSET: 0x13,
  MODE_CONTROL: 0x17,
  LINE_COMPARE: 0x18,
} as const;
/** Number of CRTC registers (CR00–CR18). */
export const CR_COUNT = 0x19;
/** CR0A bit 5: Cursor Disable. */
export const CR0A_CURSOR_DISABLE = 0x20;
/** CR11 bit 7: protect CR00–CR07 (except CR07 bit 4, Line Compare bit 8). */
export const CR11_PROTECT = 0x80;
export const CR07_LINE_COMPARE_8 = 0x10;

/** Attribute controller. */
export const AR = {
  MODE_CONTROL: 0x10,
  OVERSCAN: 0x11,
  COLOR_PLANE_ENABLE: 0x12,
  H_PEL_PANNING: 0x13,
  COLOR_SELECT: 0x14,
} as const;
export const AR_COUNT = 0x15;
/** Attribute Address register: bits 4:0 index, bit 5 Palette Address Source (0 = screen blanked). */
export const AR_INDEX_MASK = 0x1f;
export const AR_PAS = 0x20;
/** AR10 Attribute Mode Control bits. */
export const AR10 = {
  GRAPHICS: 0x01,
  MONO: 0x02,
  /** Line Graphics Enable: the 9th column of C0h–DFh repeats the 8th. */
  LINE_GRAPHICS: 0x04,
  /** Blink Enable: attribute bit 7 blinks instead of selecting a bright background. */
  BLINK: 0x08,
  PEL_PANNING_MODE: 0x20,
  COLOR_8BIT: 0x40,
  /** P5/P4 come from AR14 bits 1:0 instead of the palette register. */
  P54_SELECT: 0x80,
} as const;

/** Bits the attribute controller keeps per index (QEMU vga_ioport_write, VGA_ATT_W). */
export function attrWriteMask(index: number): number {
  if (index < 0x10) return 0x3f; // palette registers are 6 bits
  switch (index) {
    case AR.MODE_CONTROL:
      return 0xef; // bit 4 reserved
    case AR.OVERSCAN:
      return 0xff;
    case AR.COLOR_PLANE_ENABLE:
      return 0x3f;
    case AR.H_PEL_PANNING:
    case AR.COLOR_SELECT:
      return 0x0f;
    default:
      return 0x00;
  }
}

/** Input Status #1 bits: Display Disabled (in blanking) and Vertical Retrace. */
export const ST01 = { DISPLAY_DISABLED: 0x01, VERTICAL_RETRACE: 0x08 } as const;

/** DAC State register (0x3C7 read): 0 after a write-address write, 3 after a read-address write. */
export const DAC_STATE = { WRITE: 0x00, READ: 0x03 } as const;

/** Mode 3 as the VGA BIOS leaves it (vgatables.h). */
export const MODE3 = {
  misc: 0x67,
  seq: [0x03, 0x00, 0x03, 0x00, 0x02],
  gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff],
  crtc: [
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
    0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
  ],
  attr: [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x0c, 0x00, 0x0f, 0x08, 0x00,
  ],
  pelMask: 0xff,
} as const;

/**
 * Text blinking: the cursor toggles every 16 vertical frames (QEMU's
 * VGA_TEXT_CURSOR_PERIOD_MS) and blinking characters every 32, half the
 * cursor's rate, at mode 3's 70 Hz refresh.
 */
export const CURSOR_BLINK_HALF_PERIOD_MS = (16 * 1000) / 70;
export const CHAR_BLINK_HALF_PERIOD_MS = (32 * 1000) / 70;
