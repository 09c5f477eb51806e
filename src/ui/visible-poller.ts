/**
 * Runs a refresh on an interval while an element is on screen: views on a
 * hidden tab ask the worker nothing. One refresh at a time; the first runs
 * as soon as the element becomes visible.
 */
export class VisiblePoller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private running = false;
  private busy = false;
  private readonly observer: IntersectionObserver;

  constructor(
    private readonly element: Element,
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: number,
  ) {
    this.observer = new IntersectionObserver((entries) => {
      const was = this.visible;
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible && !was) this.kick();
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.observer.observe(this.element);
  }

  stop(): void {
    this.running = false;
    this.observer.disconnect();
    clearTimeout(this.timer);
  }

  /** Refresh now (if visible), then keep the interval. */
  kick(): void {
    clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (!this.running || !this.visible || this.busy) return;
    this.busy = true;
    try {
      await this.refresh();
    } catch {
      // The next tick tries again (a domain may have gone meanwhile).
    } finally {
      this.busy = false;
    }
    if (this.running && this.visible) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    }
  }
}
