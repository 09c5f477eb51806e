import { Com1 } from '../device-models/com1.ts';
import {
  isaDevice,
  isaDtbDevice,
  isaIrqToPlic,
  type IsaDeviceId,
} from '../device-models/isa-port-map.ts';
import { Mc146818Rtc, RegB } from '../device-models/mc146818-rtc.ts';
import { Ps2Keyboard } from '../device-models/ps2-keyboard.ts';
import { Vga } from '../device-models/vga.ts';
import type { XlConfig } from '../config/xl-config.ts';
import { ISA_MEMORY_BASE, VGA_LFB_BASE, VGA_LFB_SIZE } from '../../vmm/abi/platform.ts';
import { WiredDevice, type HvmDeviceModel } from './hvm-device.ts';

/**
 * The emulated PC devices of one HVM guest (what qemu-xen is to libxl):
 * COM1 (the console), the PS/2 keyboard controller, the RTC and — unless
 * vga = "none" — a VGA with a Bochs VBE linear framebuffer. Each raises its
 * ISA IRQ on the guest's PLIC and is described in the guest's DTB.
 */
export interface HvmHooks {
  /** COM1 transmitted a byte. */
  readonly serialOut: (byte: number) => void;
  /** Drive PLIC source `irq` of the guest. */
  readonly setIrq: (irq: number, level: boolean) => void;
  /** The guest asked its keyboard controller for a system reset. */
  readonly systemReset: () => void;
  /** Host wall clock, epoch ms (the RTC shows the host's date). */
  readonly clock?: () => number;
}

export interface HvmPlatform {
  readonly devices: readonly HvmDeviceModel[];
  readonly serial: WiredDevice<Com1>;
  readonly keyboard: WiredDevice<Ps2Keyboard>;
  readonly rtc: WiredDevice<Mc146818Rtc>;
  readonly vga: WiredDevice<Vga> | null;
  /** DTB path of COM1, for /chosen/stdout-path. */
  readonly stdoutPath: string;
}

function irqLine(id: IsaDeviceId, setIrq: HvmHooks['setIrq']): (level: boolean) => void {
  const irq = isaIrqToPlic(isaDevice(id).isaIrq ?? 0);
  return (level) => setIrq(irq, level);
}

/** Video memory of the VGA: videoram MiB, within the framebuffer window. */
export function vramBytes(cfg: XlConfig): number {
  return Math.min((cfg.videoram ?? 16) * 1024 * 1024, VGA_LFB_SIZE);
}

export function buildHvmPlatform(cfg: XlConfig, hooks: HvmHooks): HvmPlatform {
  const com1 = new Com1({ onTransmit: hooks.serialOut, irq: irqLine('com1', hooks.setIrq) });
  const serial = new WiredDevice<Com1>('com1', com1, isaDtbDevice('com1'));
  const ps2 = new Ps2Keyboard({
    irq: irqLine('ps2', hooks.setIrq),
    onSystemReset: hooks.systemReset,
  });
  const keyboard = new WiredDevice<Ps2Keyboard>('ps2', ps2, isaDtbDevice('ps2'));
  const rtcModel = new Mc146818Rtc({
    clock: hooks.clock ?? (() => Date.now()),
    irq: irqLine('rtc', hooks.setIrq),
  });
  const ticker = new RtcTicker(rtcModel);
  const rtc = new WiredDevice<Mc146818Rtc>('rtc', rtcModel, isaDtbDevice('rtc'), {
    afterWrite: () => ticker.check(),
    dispose: () => ticker.stop(),
  });
  let vga: HvmPlatform['vga'] = null;
  if (cfg.vga !== 'none') {
    const vramSize = vramBytes(cfg);
    const model = new Vga({ textBase: ISA_MEMORY_BASE + 0xb8000, lfbBase: VGA_LFB_BASE, vramSize });
    vga = new WiredDevice<Vga>(
      'vga',
      model,
      isaDtbDevice('vga', {
        isaMemoryBase: ISA_MEMORY_BASE,
        props: { 'tabvisor,framebuffer': [VGA_LFB_BASE, vramSize] },
      }),
    );
  }
  const devices: HvmDeviceModel[] = [serial, keyboard, rtc, ...(vga ? [vga] : [])];
  return {
    devices,
    serial,
    keyboard,
    rtc,
    vga,
    stdoutPath: `/soc/${serial.dtb.name}@${serial.dtb.base.toString(16)}`,
  };
}

/** How often the RTC is brought up to date while the guest wants its interrupts. */
export const RTC_POLL_MS = 10;

/**
 * The RTC model raises its periodic, alarm and update-ended interrupts when
 * polled (it keeps no timers of its own). Poll it only while the guest has
 * one of them enabled in register B, so an idle guest costs nothing.
 */
class RtcTicker {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly rtc: Mc146818Rtc) {}

  check(): void {
    const enabled = (this.rtc.saveState().regB & (RegB.PIE | RegB.AIE | RegB.UIE)) !== 0;
    if (enabled && this.timer === undefined)
      this.timer = setInterval(() => this.rtc.poll(), RTC_POLL_MS);
    else if (!enabled) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
