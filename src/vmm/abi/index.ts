/** The guest ABI, defined once (DESIGN.md); guest/include mirrors it. */
export * from './sbi';
export * from './errno';
export * from './hypercall';
export * from './event-channel';
export * from './grant-table';
export * from './shared-info';
export * from './start-info';
export * from './xenbus-state';
export * from './ring';
export * from './platform';
