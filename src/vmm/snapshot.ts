import type { PlicState } from '../machine/plic';
import type { DomainConfig } from './domain-config';
import type { GuestLayout } from './domain-builder';
import type { LifecycleState, ShutdownReason } from './domain';
import type { EventChannelTableState } from './event-channel';
import type { ExitStatsState } from './exit-stats';
import type { BootPorts } from './guest-domain';
import type { SchedParams } from './scheduler/credit';
import type { VcpuState } from './vcpu';

export const SNAPSHOT_VERSION = 1;

/**
 * Everything needed to bring a domain back (xl save / restore, snapshots,
 * migration). Plain data plus typed arrays: structured-clone-able, so it can
 * cross a postMessage or go into IndexedDB as is.
 */
export interface DomainSnapshot {
  version: typeof SNAPSHOT_VERSION;
  config: DomainConfig;
  name: string;
  uuid: string;
  state: LifecycleState;
  shutdownReason: ShutdownReason | null;
  maxPages: number;
  /** Balloon target and maximum reservation in pages (absent in older snapshots: memory, maxPages). */
  targetPages?: number;
  maxReservationPages?: number;
  ram: Uint8Array;
  populated: Uint8Array;
  layout: GuestLayout;
  ports: BootPorts;
  /** The guest's clock at save time (ns since its boot). */
  guestTimeNs: number;
  rebootCount: number;
  sched: SchedParams;
  vcpus: VcpuState[];
  evtchn: EventChannelTableState;
  grantFrames: number[];
  plic: PlicState;
  exits: ExitStatsState;
  console: { input: number[] };
}
