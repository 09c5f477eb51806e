import { Hart } from '../cpu/hart';
import type { HartState } from '../cpu/hart-state';
import {
  DEFAULT_RAM_SIZE,
  TIMEBASE_HZ,
  UART0_IRQ,
  VIRT_MEMMAP,
  dtbAddress as placeDtb,
} from './address-map';
import { SystemBus } from './bus';
import { Clint, type ClintState, type MachineClock } from './clint';
import { buildVirtDtb } from './dtb';
import {
  ElfError,
  checkSegmentsInRam,
  loadElfIntoRam,
  parseElf,
  type ElfImage,
} from './elf-loader';
import { Ns16550a, type Ns16550aState } from './ns16550a';
import { Plic, type PlicState } from './plic';
import { TestFinisher, type FinisherEvent, type TestFinisherState } from './test-finisher';

/**
 * The bare machine: one RV32 hart on the `virt`-like board, running an M-mode
 * ELF with no firmware (like `qemu-system-riscv32 -M virt -bios none -kernel`).
 * Time is virtual and deterministic: mtime advances one tick per
 * INSTRUCTIONS_PER_TICK retired instructions (a 10 MHz timebase on an assumed
 * 100 MIPS hart), and jumps straight to the next timer deadline while the hart
 * sleeps in WFI, so the same program always sees the same timeline.
 */

export type ExitKind = 'pass' | 'fail' | 'reset' | 'limit' | 'fault';

export interface MachineExit {
  readonly kind: ExitKind;
  /** Process-style exit code: 0 for pass/reset, the guest's code for fail, 1 for limit/fault. */
  readonly code: number;
  readonly message: string;
  /** Instructions retired when the machine stopped. */
  readonly instructions: number;
}

/** Why `runFor` came back without the machine having stopped. */
export type RunPause = 'budget' | 'idle';

export interface BareMachineOptions {
  /** Main memory in bytes (default 128 MiB, a multiple of 4 KiB). */
  ramSize?: number;
  /** Kernel command line put into /chosen/bootargs. */
  bootargs?: string;
  /** Receives every byte the guest transmits on UART 0 (and HTIF console writes). */
  onOutput?: (byte: number) => void;
  /** Instructions per scheduling slice (default 20 000). */
  sliceInstructions?: number;
}

export interface RunOptions {
  /** Stop with a `limit` exit once this many instructions have retired in total. */
  maxInstructions?: number;
}

export interface BareMachineState {
  hart: HartState;
  uart: Ns16550aState;
  clint: ClintState;
  plic: PlicState;
  finisher: TestFinisherState;
  retired: number;
  idleTicks: number;
  ram: Uint8Array;
  exit: MachineExit | null;
}

/** Assumed hart speed: 100 MIPS against the 10 MHz timebase. */
export const INSTRUCTIONS_PER_TICK = 100_000_000 / TIMEBASE_HZ;

/** mip bits of the platform interrupt lines (privileged spec 3.1.9). */
const MIP = { MSIP: 3, MTIP: 7, SEIP: 9, MEIP: 11 } as const;
const CSR_MTVEC = 0x305;
/** HTIF syscall numbers (riscv-tests / Spike frontend, newlib numbering). */
const SYS_WRITE = 64;
const ENOSYS = 38;

const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction address misaligned',
  1: 'instruction access fault',
  2: 'illegal instruction',
  3: 'breakpoint',
  4: 'load address misaligned',
  5: 'load access fault',
  6: 'store/AMO address misaligned',
  7: 'store/AMO access fault',
  8: 'environment call from U-mode',
  9: 'environment call from S-mode',
  11: 'environment call from M-mode',
  12: 'instruction page fault',
  13: 'load page fault',
  15: 'store/AMO page fault',
};

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

export class BareMachine {
  readonly bus: SystemBus;
  readonly hart: Hart;
  readonly uart: Ns16550a;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly finisher: TestFinisher;
  /** The DTB blob and where it sits in RAM (passed to the guest in a1). */
  readonly dtb: Uint8Array;
  readonly dtbAddress: number;
  onOutput: (byte: number) => void;

  private readonly sliceInstructions: number;
  private image: ElfImage | undefined;
  private retired = 0;
  private instretMark = 0;
  private idleTicks = 0;
  private lastTime = 0;
  private inSlice = false;
  private exit: MachineExit | null = null;
  /** An exit raised mid-slice (device write, trap hook); completed once the hart has returned. */
  private pendingExit: Omit<MachineExit, 'instructions'> | null = null;

  constructor(opts: BareMachineOptions = {}) {
    const ramSize = opts.ramSize ?? DEFAULT_RAM_SIZE;
    this.onOutput = opts.onOutput ?? (() => {});
    this.sliceInstructions = opts.sliceInstructions ?? 20_000;
    this.bus = new SystemBus(VIRT_MEMMAP.dram.base, ramSize);

    const clock: MachineClock = { now: () => this.now() };
    // The hart is created before the devices that drive its lines; the lines
    // are closures, so they reach it once it exists.
    this.clint = new Clint({
      clock,
      msip: (level) => this.hart.setInterruptLine(MIP.MSIP, level),
      mtip: (level) => this.hart.setInterruptLine(MIP.MTIP, level),
      onTimerChange: () => this.hart.stop(), // re-plan the slice around the new deadline
    });
    this.hart = new Hart({ bus: this.bus, hartId: 0, readTime: () => this.clint.mtime() });
    this.plic = new Plic({
      contextLines: [
        (level) => this.hart.setInterruptLine(MIP.MEIP, level),
        (level) => this.hart.setInterruptLine(MIP.SEIP, level),
      ],
    });
    this.uart = new Ns16550a({
      onTransmit: (byte) => this.onOutput(byte),
      irq: this.plic.line(UART0_IRQ),
    });
    this.finisher = new TestFinisher((event) => this.finish(finisherExit(event)));

    const m = VIRT_MEMMAP;
    this.bus.map(m.test.base, m.test.size, this.finisher);
    this.bus.map(m.clint.base, m.clint.size, this.clint);
    this.bus.map(m.plic.base, m.plic.size, this.plic);
    this.bus.map(m.uart0.base, m.uart0.size, this.uart);

    this.dtb = buildVirtDtb({
      ramSize,
      ...(opts.bootargs !== undefined ? { bootargs: opts.bootargs } : {}),
    });
    this.dtbAddress = placeDtb(m.dram.base, ramSize, this.dtb.length);
    this.bus.ram.set(this.dtb, this.dtbAddress - m.dram.base);

    this.hart.machineTrapHook = (hart, cause, tval) => this.checkFatalTrap(hart, cause, tval);
    this.clint.update();
    this.plic.update();
  }

  /**
   * Load an ELF executable and point the hart at it, as QEMU's reset vector
   * does: pc = entry, a0 = hart id, a1 = DTB address, M-mode.
   */
  loadElf(file: Uint8Array): ElfImage {
    const image = parseElf(file);
    checkSegmentsInRam(image, this.bus.ramBase, this.bus.ram.length);
    const dtbEnd = this.dtbAddress + this.dtb.length;
    for (const seg of image.segments) {
      if (seg.paddr < dtbEnd && this.dtbAddress < seg.paddr + seg.memsz) {
        throw new ElfError(
          `segment ${hex(seg.paddr)} overlaps the device tree at ${hex(this.dtbAddress)}; give the machine more memory`,
        );
      }
    }
    loadElfIntoRam(image, this.bus.ram, this.bus.ramBase);
    this.image = image;
    this.hart.pc = image.entry >>> 0;
    this.hart.x[10] = 0;
    this.hart.x[11] = this.dtbAddress | 0;
    this.hart.flushDecodeCache();
    return image;
  }

  /** Bytes typed at the console; they reach the guest through UART 0. */
  input(bytes: Iterable<number>): void {
    this.uart.receive(bytes);
  }

  /** Retired instructions so far. */
  get instructions(): number {
    return this.retired + (this.hart.instret - this.instretMark);
  }

  /** The exit, once the machine has stopped. */
  get exited(): MachineExit | null {
    return this.exit;
  }

  /** Install or remove a per-instruction trace (pc, raw instruction). */
  setTracer(tracer: ((pc: number, insn: number) => void) | null): void {
    this.hart.tracer = tracer;
  }

  /** Register accesses per device, for accounting. */
  deviceAccessCounts(): Record<string, number> {
    const devices = [this.uart, this.clint, this.plic, this.finisher];
    return Object.fromEntries(devices.map((d) => [d.name, d.accessCount]));
  }

  /**
   * Run until the guest stops the machine or the instruction limit is hit.
   * A hart asleep in WFI with nothing left that could wake it is a deadlock
   * here (no more input will come), reported as a fault.
   */
  run(opts: RunOptions = {}): MachineExit {
    const result = this.runFor(Number.POSITIVE_INFINITY, opts);
    if (typeof result !== 'string') return result;
    return this.stopNow({
      kind: 'fault',
      code: 1,
      message: `hart sleeps at pc ${hex(this.hart.pc)}, waiting for an interrupt (WFI) that nothing can raise`,
    });
  }

  /**
   * Run for up to `budget` more instructions. Returns the exit if the machine
   * stopped, 'budget' when the budget ran out, or 'idle' when the hart sleeps
   * in WFI with no timer armed (only input can wake it; call `input` and run again).
   */
  runFor(budget: number, opts: RunOptions = {}): MachineExit | RunPause {
    const max = opts.maxInstructions ?? Number.POSITIVE_INFINITY;
    const stopAt = this.instructions + budget;
    let stalls = 0;
    for (;;) {
      if (this.exit) return this.exit;
      const done = this.instructions;
      if (done >= max) {
        return this.stopNow({
          kind: 'limit',
          code: 1,
          message: `instruction limit reached (${max} instructions) at pc ${hex(this.hart.pc)}`,
        });
      }
      if (done >= stopAt) return 'budget';

      if (this.hart.waitingForInterrupt) {
        if (!this.skipToNextDeadline()) return 'idle';
        continue;
      }

      const slice = Math.max(
        1,
        Math.min(this.sliceInstructions, stopAt - done, max - done, this.untilDeadline()),
      );
      const before = this.hart.instret;
      this.inSlice = true;
      let n: number;
      try {
        n = this.hart.run(slice);
      } finally {
        this.inSlice = false;
      }
      this.retired += n;
      this.instretMark = this.hart.instret;
      this.clint.update();
      this.pollHtif();
      this.settleExit();
      if (n === 0 && before === this.hart.instret && !this.exit && !this.hart.waitingForInterrupt) {
        // Traps are events, not retirements: a hart that takes trap after trap
        // without retiring anything would spin here forever.
        if (++stalls > 1000) {
          return this.stopNow({
            kind: 'fault',
            code: 1,
            message: `hart makes no progress at pc ${hex(this.hart.pc)} (trap loop)`,
          });
        }
      } else {
        stalls = 0;
      }
    }
  }

  saveState(): BareMachineState {
    return {
      hart: this.hart.saveState(),
      uart: this.uart.saveState(),
      clint: this.clint.saveState(),
      plic: this.plic.saveState(),
      finisher: this.finisher.saveState(),
      retired: this.instructions,
      idleTicks: this.idleTicks,
      ram: this.bus.ram.slice(),
      exit: this.exit,
    };
  }

  restoreState(s: BareMachineState): void {
    this.bus.ram.set(s.ram);
    this.hart.restoreState(s.hart);
    this.hart.flushDecodeCache();
    this.retired = s.retired;
    this.instretMark = this.hart.instret;
    this.idleTicks = s.idleTicks;
    this.lastTime = 0;
    this.exit = s.exit;
    this.pendingExit = null;
    this.uart.restoreState(s.uart);
    this.plic.restoreState(s.plic);
    this.finisher.restoreState(s.finisher);
    this.clint.restoreState(s.clint);
  }

  /** The platform clock in mtime ticks (before the guest's own mtime offset). */
  private now(): number {
    const t = Math.floor(this.instructions / INSTRUCTIONS_PER_TICK) + this.idleTicks;
    // Guest writes to minstret move instret; time must still never run backwards.
    if (t > this.lastTime) this.lastTime = t;
    return this.lastTime;
  }

  /** Instructions until the next timer deadline, so MTIP rises on the exact instruction. */
  private untilDeadline(): number {
    const deadline = this.clint.nextDeadline();
    if (deadline === undefined) return Number.POSITIVE_INFINITY;
    const target = (deadline - this.idleTicks) * INSTRUCTIONS_PER_TICK;
    return Math.max(1, target - this.instructions);
  }

  /** While the hart sleeps, jump virtual time to the next timer deadline. */
  private skipToNextDeadline(): boolean {
    const deadline = this.clint.nextDeadline();
    if (deadline === undefined) return false;
    this.idleTicks += deadline - this.now();
    this.clint.update();
    return true;
  }

  /**
   * HTIF (Spike's host-target interface, as riscv-tests use it): the guest
   * writes `tohost`; an odd value is an exit ((code << 1) | 1), an even
   * non-zero value points at a syscall block magic_mem[0..3] = which, a0..a2.
   */
  private pollHtif(): void {
    const tohost = this.image?.symbols.get('tohost');
    if (tohost === undefined || !this.bus.isRam(tohost, 8)) return;
    const value = this.bus.load(tohost, 4);
    if (value === 0) return;
    if (value & 1) {
      const code = value >>> 1;
      this.finish(
        code === 0
          ? { kind: 'pass', code: 0, message: 'HTIF: pass' }
          : { kind: 'fail', code, message: `HTIF: fail with code ${code}` },
      );
      return;
    }
    const result = this.htifSyscall(value);
    if (this.bus.isRam(value, 8)) {
      this.bus.store(value, 4, result);
      this.bus.store(value + 4, 4, result < 0 ? 0xffffffff : 0);
    }
    this.bus.store(tohost, 4, 0);
    this.bus.store(tohost + 4, 4, 0);
    const fromhost = this.image?.symbols.get('fromhost');
    if (fromhost !== undefined && this.bus.isRam(fromhost, 8)) this.bus.store(fromhost, 4, 1);
  }

  private htifSyscall(block: number): number {
    if (!this.bus.isRam(block, 32)) return -ENOSYS;
    const word = (i: number): number => this.bus.load(block + 8 * i, 4);
    const which = word(0);
    if (which === SYS_WRITE && (word(1) === 1 || word(1) === 2)) {
      const buf = word(2);
      const len = word(3);
      if (!this.bus.isRam(buf, len)) return -14; // EFAULT
      for (let i = 0; i < len; i++) this.onOutput(this.bus.load(buf + i, 1));
      return len;
    }
    return -ENOSYS;
  }

  /**
   * Catch traps that can only loop forever on this firmware-less board: an
   * instruction fetch outside memory whose handler (mtvec) is not executable
   * either, and an exception raised by the first instruction of the M-mode
   * trap handler itself (a double fault).
   */
  private checkFatalTrap(hart: Hart, cause: number, tval: number): boolean {
    if (cause >>> 31) return false; // interrupts are never fatal
    const handler = hart.readCsr(CSR_MTVEC) & ~3;
    const name = EXCEPTION_NAMES[cause] ?? `exception ${cause}`;
    if (cause === 1 && !this.bus.isRam(handler, 2)) {
      this.finish({
        kind: 'fault',
        code: 1,
        message: `instruction fetch from ${hex(tval)} outside memory, and the trap handler (mtvec ${hex(handler)}) is not executable either`,
      });
    } else if (hart.pc >>> 0 === handler >>> 0) {
      this.finish({
        kind: 'fault',
        code: 1,
        message: `double fault: the trap handler at ${hex(handler)} itself raised ${name} (tval ${hex(tval)})`,
      });
    } else {
      return false;
    }
    hart.stop();
    return true;
  }

  /**
   * Stop the machine. Devices and the trap hook call this in the middle of a
   * slice, when the hart's instruction count is not yet settled; the exit is
   * completed after the hart returns (`settleExit`).
   */
  private finish(exit: Omit<MachineExit, 'instructions'>): MachineExit | null {
    if (!this.exit && !this.pendingExit) {
      this.pendingExit = exit;
      this.hart.stop();
    }
    return this.settleExit();
  }

  /** Stop between slices, where the exit is final at once. */
  private stopNow(exit: Omit<MachineExit, 'instructions'>): MachineExit {
    const settled = this.finish(exit);
    if (!settled) throw new Error('stopNow called inside a slice');
    return settled;
  }

  private settleExit(): MachineExit | null {
    if (!this.exit && this.pendingExit && !this.inSlice) {
      this.exit = { ...this.pendingExit, instructions: this.instructions };
      this.pendingExit = null;
    }
    return this.exit;
  }
}

function finisherExit(event: FinisherEvent): Omit<MachineExit, 'instructions'> {
  switch (event.kind) {
    case 'pass':
      return { kind: 'pass', code: 0, message: 'test finisher: pass' };
    case 'fail':
      return {
        kind: 'fail',
        code: event.code,
        message: `test finisher: fail with code ${event.code}`,
      };
    case 'reset':
      return { kind: 'reset', code: 0, message: 'test finisher: reset requested' };
  }
}
