/**
 * The Bochs VBE "DISPI" interface (Bochs iodev/vga.h + vbe.h, as QEMU's
 * include/hw/display/bochs-vbe.h): an index port (0x1CE) and a 16-bit data
 * port (0x1CF, and 0x1D0 as the aligned alias QEMU adds) through which a guest
 * sets a linear-framebuffer mode directly, without a VESA BIOS. Register
 * sanity fix-ups follow QEMU's vbe_fixup_regs(), with Bochs' resolution limits.
 */

export const VbePort = { INDEX: 0x1ce, DATA: 0x1cf, DATA_ALIGNED: 0x1d0 } as const;

/** DISPI register indices. */
export const VbeIndex = {
  ID: 0x0,
  XRES: 0x1,
  YRES: 0x2,
  BPP: 0x3,
  ENABLE: 0x4,
  BANK: 0x5,
  VIRT_WIDTH: 0x6,
  VIRT_HEIGHT: 0x7,
  X_OFFSET: 0x8,
  Y_OFFSET: 0x9,
  /** Read-only: video memory size in 64 KiB units (not in the register bank). */
  VIDEO_MEMORY_64K: 0xa,
} as const;
export const VBE_REGISTER_COUNT = 0xa;

export const VBE_DISPI_ID0 = 0xb0c0;
/** The newest interface version; what ID reads after reset. */
export const VBE_DISPI_ID5 = 0xb0c5;

/** ENABLE register bits. */
export const VbeEnable = {
  ENABLED: 0x01,
  GETCAPS: 0x02,
  DAC_8BIT: 0x20,
  LFB_ENABLED: 0x40,
  NOCLEARMEM: 0x80,
} as const;

/** Bochs vbe.h limits (VBE_DISPI_MAX_XRES/YRES/BPP). */
export const VBE_MAX_XRES = 2560;
export const VBE_MAX_YRES = 1600;
export const VBE_MAX_BPP = 32;
export const VBE_BANK_SIZE = 64 * 1024;

/** Depths the model scans out; anything else is coerced to 8 as QEMU does (4-bit planar is not modelled). */
const DEPTHS = new Set([8, 15, 16, 24, 32]);

export interface BochsVbeState {
  index: number;
  regs: number[];
}

/** The derived scan-out geometry of an enabled mode. */
export interface VbeMode {
  width: number;
  height: number;
  bpp: number;
  /** Bytes per pixel as stored (15 bpp is 2). */
  bytesPerPixel: number;
  /** Bytes per line in video memory (VIRT_WIDTH × bytes per pixel). */
  lineLength: number;
  /** Byte offset of the first displayed pixel (X/Y_OFFSET panning). */
  startOffset: number;
  dac8bit: boolean;
}

export interface BochsVbeOptions {
  vramSize: number;
  /** Called when an enable switches a mode on and NOCLEARMEM is clear: zero this many bytes. */
  clearMemory: (bytes: number) => void;
  /** Called after anything that changes the displayed geometry or depth. */
  onModeChange: () => void;
}

export class BochsVbe {
  index = 0;
  private readonly regs = new Uint16Array(VBE_REGISTER_COUNT);
  private readonly opts: BochsVbeOptions;

  constructor(opts: BochsVbeOptions) {
    this.opts = opts;
    this.regs[VbeIndex.ID] = VBE_DISPI_ID5;
  }

  get enabled(): boolean {
    return ((this.regs[VbeIndex.ENABLE] ?? 0) & VbeEnable.ENABLED) !== 0;
  }

  /** Geometry of the enabled mode, or null in VGA (text) mode. */
  mode(): VbeMode | null {
    if (!this.enabled) return null;
    const r = this.regs;
    const bpp = r[VbeIndex.BPP] ?? 8;
    const bytesPerPixel = bpp === 15 ? 2 : bpp >>> 3;
    const lineLength = (r[VbeIndex.VIRT_WIDTH] ?? 0) * bytesPerPixel;
    return {
      width: r[VbeIndex.XRES] ?? 0,
      height: r[VbeIndex.YRES] ?? 0,
      bpp,
      bytesPerPixel,
      lineLength,
      startOffset:
        (r[VbeIndex.X_OFFSET] ?? 0) * bytesPerPixel + (r[VbeIndex.Y_OFFSET] ?? 0) * lineLength,
      dac8bit: ((r[VbeIndex.ENABLE] ?? 0) & VbeEnable.DAC_8BIT) !== 0,
    };
  }

  readData(): number {
    const i = this.index;
    if (i < VBE_REGISTER_COUNT) {
      if ((this.regs[VbeIndex.ENABLE] ?? 0) & VbeEnable.GETCAPS) {
        // GETCAPS turns XRES/YRES/BPP into the card's maxima (QEMU vbe_ioport_read_data).
        if (i === VbeIndex.XRES) return VBE_MAX_XRES;
        if (i === VbeIndex.YRES) return VBE_MAX_YRES;
        if (i === VbeIndex.BPP) return VBE_MAX_BPP;
      }
      return this.regs[i] ?? 0;
    }
    if (i === VbeIndex.VIDEO_MEMORY_64K) return Math.floor(this.opts.vramSize / VBE_BANK_SIZE);
    return 0;
  }

  writeData(value: number): void {
    value &= 0xffff;
    const r = this.regs;
    switch (this.index) {
      case VbeIndex.ID:
        // Only interface versions the card knows are accepted (the guest's version handshake).
        if (value >= VBE_DISPI_ID0 && value <= VBE_DISPI_ID5) r[VbeIndex.ID] = value;
        break;
      case VbeIndex.XRES:
      case VbeIndex.YRES:
      case VbeIndex.BPP:
      case VbeIndex.VIRT_WIDTH:
      case VbeIndex.X_OFFSET:
      case VbeIndex.Y_OFFSET:
        r[this.index] = value;
        this.fixup();
        this.opts.onModeChange();
        break;
      case VbeIndex.BANK:
        r[VbeIndex.BANK] = value & (Math.max(1, this.opts.vramSize / VBE_BANK_SIZE) - 1);
        break;
      case VbeIndex.ENABLE: {
        const wasEnabled = this.enabled;
        if (value & VbeEnable.ENABLED && !wasEnabled) {
          // Enabling resets the virtual geometry and panning (QEMU vbe_ioport_write_data).
          r[VbeIndex.VIRT_WIDTH] = 0;
          r[VbeIndex.X_OFFSET] = 0;
          r[VbeIndex.Y_OFFSET] = 0;
          r[VbeIndex.ENABLE] = (r[VbeIndex.ENABLE] ?? 0) | VbeEnable.ENABLED;
          this.fixup();
          r[VbeIndex.ENABLE] = value;
          const m = this.mode();
          if (m && !(value & VbeEnable.NOCLEARMEM)) this.opts.clearMemory(m.height * m.lineLength);
        } else {
          r[VbeIndex.ENABLE] = value;
          if (!(value & VbeEnable.ENABLED)) r[VbeIndex.BANK] = 0;
        }
        this.opts.onModeChange();
        break;
      }
      default:
        break; // VIRT_HEIGHT is computed; higher indices do not exist
    }
  }

  /**
   * Clamp the registers to a mode the memory can hold (QEMU vbe_fixup_regs:
   * the dispi interface has no way to report errors, so it adjusts).
   */
  private fixup(): void {
    const r = this.regs;
    if (!this.enabled) return;
    let bpp = r[VbeIndex.BPP] ?? 0;
    if (!DEPTHS.has(bpp)) r[VbeIndex.BPP] = bpp = 8;
    const bits = bpp === 15 ? 16 : bpp;
    let xres = (r[VbeIndex.XRES] ?? 0) & ~7;
    if (xres === 0) xres = 8;
    xres = Math.min(xres, VBE_MAX_XRES);
    r[VbeIndex.XRES] = xres;
    let vw = (r[VbeIndex.VIRT_WIDTH] ?? 0) & ~7;
    vw = Math.max(Math.min(vw, VBE_MAX_XRES), xres);
    r[VbeIndex.VIRT_WIDTH] = vw;
    const lineLength = (vw * bits) / 8;
    const maxY = Math.floor(this.opts.vramSize / lineLength);
    let yres = r[VbeIndex.YRES] ?? 0;
    if (yres === 0) yres = 1;
    yres = Math.min(yres, VBE_MAX_YRES, maxY);
    r[VbeIndex.YRES] = yres;
    let xo = Math.min(r[VbeIndex.X_OFFSET] ?? 0, VBE_MAX_XRES);
    let yo = Math.min(r[VbeIndex.Y_OFFSET] ?? 0, VBE_MAX_YRES);
    if (xo * (bits / 8) + yo * lineLength + yres * lineLength > this.opts.vramSize) {
      yo = 0;
      if (xo * (bits / 8) + yres * lineLength > this.opts.vramSize) xo = 0;
    }
    r[VbeIndex.X_OFFSET] = xo;
    r[VbeIndex.Y_OFFSET] = yo;
    r[VbeIndex.VIRT_HEIGHT] = Math.min(maxY, 0xffff);
  }

  saveState(): BochsVbeState {
    return { index: this.index, regs: [...this.regs] };
  }

  restoreState(s: BochsVbeState): void {
    this.index = s.index;
    this.regs.set(s.regs.slice(0, VBE_REGISTER_COUNT));
  }
}
