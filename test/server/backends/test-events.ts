/** Test helper: Domain-0's event ports over Vmm.onEvent (what the toolstack's Dom0Events does). */
import type { EventPorts } from '../../../src/server/backends/xenbus-backend';
import type { Vmm } from '../../../src/vmm/vmm';

export class TestEvents implements EventPorts {
  private readonly handlers = new Map<number, () => void>();
  sent = 0;

  constructor(private readonly vmm: Vmm) {
    vmm.onEvent((port) => this.handlers.get(port)?.());
  }

  bind(domid: number, remotePort: number, handler: () => void): number {
    const port = this.vmm.evtchnBindInterdomain(domid, remotePort);
    if (port < 0) throw new Error(`bind failed: ${port}`);
    this.handlers.set(port, handler);
    return port;
  }

  notify(port: number): void {
    this.sent++;
    this.vmm.evtchnSend(port);
  }

  close(port: number): void {
    this.handlers.delete(port);
    this.vmm.evtchnClose(port);
  }

  /** Deliver queued notifications to Domain-0 (the VMM does this between guest slices). */
  deliver(): void {
    this.vmm.dom0.events.flush();
  }

  get bound(): number {
    return this.handlers.size;
  }
}
