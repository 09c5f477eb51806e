import type { Vmm } from '../../vmm/vmm.ts';

/**
 * Domain-0's event-channel ports: the VMM has one listener for all of them
 * (Vmm.onEvent); this routes each port to the back end that bound it, and
 * counts Domain-0's time spent in back ends and device models (its
 * "CPU time" in `xl list`).
 */
export class Dom0Events {
  private readonly handlers = new Map<number, () => void>();
  /** Notifications delivered to Domain-0. */
  delivered = 0;
  /** Wall ns Domain-0 spent serving guests (back ends, device models). */
  busyNs = 0;
  /** Back-end failures (a bug, or a guest breaking a protocol badly). */
  readonly failures: { port: number; error: unknown }[] = [];

  constructor(private readonly vmm: Vmm) {
    vmm.onEvent((port) => this.dispatch(port));
  }

  private dispatch(port: number): void {
    const h = this.handlers.get(port);
    if (!h) return;
    this.delivered++;
    this.measure(() => {
      try {
        h();
      } catch (error) {
        this.failures.push({ port, error });
      }
    });
  }

  /** Bind our end to a guest's unbound port and route its notifications to `handler`. */
  bind(domid: number, remotePort: number, handler: () => void): number {
    const port = this.vmm.evtchnBindInterdomain(domid, remotePort);
    if (port < 0)
      throw new Error(`cannot bind to port ${remotePort} of domain ${domid} (error ${port})`);
    this.handlers.set(port, handler);
    return port;
  }

  notify(port: number): void {
    this.vmm.evtchnSend(port);
  }

  close(port: number): void {
    this.handlers.delete(port);
    this.vmm.evtchnClose(port);
  }

  measure<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const ns = Math.round((performance.now() - t0) * 1e6);
      this.busyNs += ns;
      // Domain-0's CPU time in xl list: the VMM does not schedule the VM server, so it is told.
      this.vmm.accountServerTime(ns);
    }
  }
}
