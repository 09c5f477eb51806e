import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { VisiblePoller } from './visible-poller.ts';
import type { VmServerClient } from './vm-server-client.ts';

type Host = ReactiveControllerHost & Element & { client: VmServerClient | null };

export interface DomainsWatchOptions {
  /** How often `refresh` runs while the host is visible (default 1 s). */
  readonly intervalMs?: number;
  /** Also re-render when the definitions in /etc/xen/vm change (the client's 'configs'). */
  readonly configs?: boolean;
}

/**
 * What a live view of the VM server needs while it is on the page: a refresh
 * on an interval while visible, and a re-render whenever the domain list
 * changes — following `client` when it is set or replaced after the element
 * was connected. Views that only show what the client already samples (the
 * domain list, the definitions) pass no refresh: they poll nothing.
 */
export class DomainsWatch implements ReactiveController {
  private readonly poller: VisiblePoller | null;
  private readonly events: readonly string[];
  private subscribed: VmServerClient | null = null;

  constructor(
    private readonly host: Host,
    refresh: (() => Promise<void>) | null,
    options: number | DomainsWatchOptions = {},
  ) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.poller = refresh ? new VisiblePoller(host, refresh, o.intervalMs ?? 1000) : null;
    this.events = o.configs ? ['domains', 'configs'] : ['domains'];
    host.addController(this);
  }

  hostConnected(): void {
    this.poller?.start();
    this.follow();
  }

  hostUpdated(): void {
    this.follow();
  }

  hostDisconnected(): void {
    this.poller?.stop();
    this.subscribe(null);
  }

  /** Refresh now (if visible), then keep the interval. */
  kick(): void {
    this.poller?.kick();
  }

  private readonly onChange = (): void => {
    this.host.requestUpdate();
  };

  private follow(): void {
    const c = this.host.isConnected ? this.host.client : null;
    if (c !== this.subscribed) this.subscribe(c);
  }

  private subscribe(c: VmServerClient | null): void {
    for (const e of this.events) this.subscribed?.removeEventListener(e, this.onChange);
    for (const e of this.events) c?.addEventListener(e, this.onChange);
    this.subscribed = c;
  }
}
