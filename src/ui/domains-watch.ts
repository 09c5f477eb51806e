import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { VisiblePoller } from './visible-poller.ts';
import type { VmServerClient } from './vm-server-client.ts';

type Host = ReactiveControllerHost & Element & { client: VmServerClient | null };

/**
 * What a live view of the VM server needs while it is on the page: a refresh
 * on an interval while visible, and a re-render whenever the domain list
 * changes — following `client` when it is set or replaced after the element
 * was connected.
 */
export class DomainsWatch implements ReactiveController {
  private readonly poller: VisiblePoller;
  private subscribed: VmServerClient | null = null;

  constructor(
    private readonly host: Host,
    refresh: () => Promise<void>,
    intervalMs = 1000,
  ) {
    this.poller = new VisiblePoller(host, refresh, intervalMs);
    host.addController(this);
  }

  hostConnected(): void {
    this.poller.start();
    this.follow();
  }

  hostUpdated(): void {
    this.follow();
  }

  hostDisconnected(): void {
    this.poller.stop();
    this.subscribed?.removeEventListener('domains', this.onDomains);
    this.subscribed = null;
  }

  /** Refresh now (if visible), then keep the interval. */
  kick(): void {
    this.poller.kick();
  }

  private readonly onDomains = (): void => {
    this.host.requestUpdate();
  };

  private follow(): void {
    const c = this.host.isConnected ? this.host.client : null;
    if (c === this.subscribed) return;
    this.subscribed?.removeEventListener('domains', this.onDomains);
    c?.addEventListener('domains', this.onDomains);
    this.subscribed = c;
  }
}
