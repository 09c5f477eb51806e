/**
 * What the hart sees of the outside world: physical memory. The hart keeps a
 * direct reference to RAM for its fast path and goes through `load`/`store`
 * for everything else (MMIO), so a device never sits on the RAM hot path.
 */
export interface Bus {
  /** Main memory, little-endian, starting at physical address `ramBase`. */
  readonly ram: Uint8Array;
  readonly ramBase: number;
  /**
   * A physical access outside RAM. `size` is 1, 2 or 4 bytes; the value is
   * zero-extended (the hart sign-extends as the instruction asks).
   * Throws `BusError` where nothing answers: the hart turns it into an
   * access-fault exception (privileged spec 3.7.1).
   */
  load(addr: number, size: 1 | 2 | 4): number;
  store(addr: number, size: 1 | 2 | 4, value: number): void;
}

/** Nothing is mapped at this physical address. */
export class BusError extends Error {
  constructor(readonly addr: number) {
    super(`no device at physical address 0x${(addr >>> 0).toString(16).padStart(8, '0')}`);
  }
}
