/**
 * The VMM's public surface, for the VM server (src/server) and the worker.
 * See vmm.ts for the Vmm class; the guest ABI is in ./abi.
 */
export { Vmm, VmmError } from './vmm';
export type {
  BootInfo,
  CreateOptions,
  DomainErrorEvent,
  DomainEvent,
  DomainInfo,
  HostInfo,
  ReservationInfo,
  VmmOptions,
} from './vmm';
export type { DomainConfig, DomainType, DtbDevice } from './domain-config';
export { DomainStateError, xlStateLetters } from './domain';
export type { LifecycleState, ShutdownReason } from './domain';
export { HostMemoryError } from './host';
export { DomainBuildError } from './domain-builder';
export type { IoreqHandler, IoreqRange, IoreqServer, IoreqServerSpec } from './ioreq';
export { IoreqError } from './ioreq';
export type { ExitEvent } from './exit-stats';
export type { GrantMapping } from './grant-table';
export type { DomainSnapshot } from './snapshot';
export type { SchedParams } from './scheduler/credit';
export type { TimeMode } from './clock';
export * as abi from './abi/index';
