/**
 * A memory-mapped device as the bus sees it: registers addressed by offset
 * from the device's base. Accesses are 1, 2 or 4 bytes wide; values are
 * zero-extended. A device throws `BusError` (from ../cpu/bus) for accesses it
 * does not decode, which the hart turns into an access fault.
 */
export interface MmioDevice {
  /** Short name used in traces and statistics ("uart0", "clint", ...). */
  readonly name: string;
  /** Number of register accesses (loads + stores) since creation; for VM-exit style accounting. */
  readonly accessCount: number;
  load(offset: number, size: 1 | 2 | 4): number;
  store(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** A level-triggered interrupt wire from a device to an interrupt controller. */
export type InterruptLine = (level: boolean) => void;

/** A line that goes nowhere (a device not wired to a controller, e.g. in unit tests). */
export const unconnected: InterruptLine = () => {};
