import { afterAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { BootProgress } from '../../src/ui/api-types';
import { TabvisorApp } from '../../src/ui/tabvisor-app';
import { VmServerClient } from '../../src/ui/vm-server-client';
import { deepText, mount, until } from './helpers/booted-client';

describe('<tabvisor-app>: the boot sequence, then the desktop', () => {
  const client = VmServerClient.create();
  afterAll(() => client.dispose());

  it('shows each boot stage as the worker reports it, then opens the desktop with Domain-0 listed', async () => {
    const app = new TabvisorApp();
    app.client = client;
    // No guest image is served to the test page: autostart fails, and says so.
    app.bootOptions = { storage: 'memory', autostart: true, imagesBaseUrl: '/no-such-dir/' };
    // Record what the boot view showed at every progress report.
    const seen: string[] = [];
    client.addEventListener('boot', (e) => {
      const p = (e as CustomEvent<BootProgress>).detail;
      seen.push(`${p.stage}:${p.status}`);
    });
    mount(app, 1280, 720);
    const bootView = (): Element | null => app.shadowRoot?.querySelector('boot-view') ?? null;
    await until(() => bootView() !== null, 'the boot view');
    await until(
      () =>
        bootView()?.shadowRoot?.querySelector('[data-stage="ready"][data-state="done"]') != null,
      'the ready step',
    );
    const states = Object.fromEntries(
      [...(bootView()?.shadowRoot?.querySelectorAll('[data-stage]') ?? [])].map((li) => [
        li.getAttribute('data-stage'),
        li.getAttribute('data-state'),
      ]),
    );
    expect(seen.slice(0, 4)).toEqual(['vmm:start', 'vmm:done', 'dom0:start', 'dom0:done']);
    // The seeded guests could not start: the autostart step says so.
    expect(states).toMatchObject({ vmm: 'done', dom0: 'done', autostart: 'error', ready: 'done' });
    // The app adds what the boot stages did not say about the host (memory, CPUs).
    await until(() => deepText(bootView() as Element).includes('host memory'), 'the host line');
    const text = deepText(bootView() as Element);
    expect(text).toContain('VM server (Domain-0) starting in privileged mode');
    expect(text).toMatch(/could not start sprout-hvm/);
    expect(text).toMatch(/host memory 1 GiB/);

    // Then the desktop on its own, with the domain list.
    await until(
      () => app.shadowRoot?.querySelector('[role="tablist"]') != null,
      'the desktop',
      5000,
    );
    const list = app.shadowRoot?.querySelector('vm-list');
    await until(
      () => list?.shadowRoot?.querySelector('tr[data-name="Domain-0"]') != null,
      'the Domain-0 row',
    );
    // The header counts the boot problems (one per guest at least) and leads to the log.
    const problems = client.progress.filter((p) => p.status === 'error').length;
    expect(problems).toBe(3);
    expect(client.progress).toEqual(await client.api.bootProgress());
    expect(deepText(app.shadowRoot?.querySelector('header') as Element)).toContain(
      `${problems} boot problems — see the log`,
    );

    // Tabs: arrow keys move between them (WAI-ARIA tabs pattern), each shows its panel.
    const tab = (id: string): HTMLElement | null | undefined =>
      app.shadowRoot?.querySelector(`#tab-${id}`);
    tab('dashboard')?.focus();
    await userEvent.keyboard('{ArrowRight}');
    await until(() => tab('screens')?.getAttribute('aria-selected') === 'true', 'the next tab');
    expect(app.shadowRoot?.activeElement).toBe(tab('screens'));
    expect(app.shadowRoot?.querySelector<HTMLElement>('#panel-screens')?.hidden).toBe(false);
    expect(app.shadowRoot?.querySelector<HTMLElement>('#panel-dashboard')?.hidden).toBe(true);
    expect(location.hash).toBe('#screens');
    await userEvent.keyboard('{End}');
    await until(() => tab('log')?.getAttribute('aria-selected') === 'true', 'the last tab');
    history.replaceState(null, '', location.pathname + location.search);
    app.remove();
  });
});
