import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmList } from '../../src/ui/vm-list';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<vm-list>: xl list, live, with its actions', () => {
  let client: VmServerClient;
  let list: VmList;
  beforeAll(async () => {
    client = await bootedClient();
    client.startSampling(250);
    list = mount(new VmList());
    list.client = client;
  });
  afterAll(() => {
    list?.remove();
    client?.dispose();
  });

  const row = (name: string): HTMLTableRowElement | null =>
    list.shadowRoot?.querySelector(`tr[data-name="${name}"]`) ?? null;
  const cells = (name: string): string[] =>
    [...(row(name)?.querySelectorAll('th, td') ?? [])].map((c) => deepText(c).trim());
  const button = (label: string): HTMLButtonElement => {
    const b = list.shadowRoot?.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
    if (!b) throw new Error(`no button "${label}"`);
    return b;
  };

  it('shows Domain-0 with xl list’s values, and the stopped definitions from /etc/xen/vm', async () => {
    await until(() => row('Domain-0') !== null && row('sprout-pv') !== null, 'the rows');
    const xl = (await client.api.run('xl list')).output.split('\n')[1]?.split(/\s+/) ?? [];
    // Name, ID, Mem, VCPUs, State as xl prints them.
    const [name, id, mem, vcpus, state] = cells('Domain-0');
    expect(name).toContain('Domain-0');
    expect([id, mem, vcpus]).toEqual([xl[1], xl[2], xl[3]]);
    expect(state).toContain(xl[4]);
    expect(cells('sprout-pv')[4]).toContain('shut off');
  });

  it('starts, pauses, unpauses and destroys a guest from its row', async () => {
    await userEvent.click(button('Start sprout-hvm'));
    await until(() => /running/.test(cells('sprout-hvm')[4] ?? ''), 'sprout-hvm running');
    expect(cells('sprout-hvm')[1]).toMatch(/^\d+$/);

    await userEvent.click(button('Pause sprout-hvm'));
    await until(() => /paused/.test(cells('sprout-hvm')[4] ?? ''), 'paused');
    expect((await client.api.run('xl list sprout-hvm')).output).toMatch(/--p---/);
    // The command it ran is shown.
    expect(deepText(list.shadowRoot?.querySelector('.status') as Element)).toContain(
      'xl pause sprout-hvm',
    );

    await userEvent.click(button('Unpause sprout-hvm'));
    await until(() => /running/.test(cells('sprout-hvm')[4] ?? ''), 'running again');

    // Destroy asks once more before it acts.
    await userEvent.click(button('Destroy sprout-hvm'));
    expect((await client.api.run('xl list sprout-hvm')).status).toBe(0);
    await userEvent.click(button('Really destroy? Confirm for sprout-hvm'));
    await until(() => /shut off/.test(cells('sprout-hvm')[4] ?? ''), 'shut off');
    expect((await client.api.run('xl list sprout-hvm')).status).not.toBe(0);
  });

  it('draws the CPU and exit graphs from the samples', async () => {
    await userEvent.click(button('Start sprout-pv'));
    await until(
      () =>
        (client.history.get('sprout-pv')?.exits.filter((v) => v !== null && v > 0).length ?? 0) >=
        2,
      'two exit-rate samples',
    );
    const graphs = row('sprout-pv')?.querySelectorAll('stat-graph') ?? [];
    expect(graphs.length).toBe(3);
    await until(() => (graphs[1]?.shadowRoot?.querySelector('canvas')?.width ?? 0) > 0, 'a plot');
    expect(
      graphs[1]?.shadowRoot?.querySelector('[role="img"]')?.getAttribute('aria-label'),
    ).toMatch(/exits \d/);
  });
});
