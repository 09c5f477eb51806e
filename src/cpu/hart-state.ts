import type { CsrRegisters } from './csr-registers';

/** Everything architectural about a hart, as plain JSON-able data (snapshots, migration). */
export interface HartState {
  readonly version: 1;
  readonly hartId: number;
  readonly pc: number;
  readonly priv: number;
  /** x0–x31 as signed 32-bit values. */
  readonly x: number[];
  readonly instret: number;
  readonly waitingForInterrupt: boolean;
  /** Levels of the platform interrupt lines (mip bits). */
  readonly interruptLines: number;
  /** The LR/SC reservation: virtual address and the value LR loaded. */
  readonly reservation: { readonly address: number; readonly value: number } | null;
  readonly csr: CsrRegisters;
}
