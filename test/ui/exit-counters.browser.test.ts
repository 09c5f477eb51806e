import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ExitCounters, explainReason } from '../../src/ui/exit-counters';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<exit-counters>: VM exits by reason, hypercalls by operation', () => {
  let client: VmServerClient;
  let view: ExitCounters;
  const row = (reason: string): Element | null =>
    view.shadowRoot?.querySelector(`tr[data-reason="${reason}"]`) ?? null;
  const count = (reason: string): number =>
    Number(deepText(row(reason)?.children[1] as Element).replace(/[^\d]/g, ''));

  beforeAll(async () => {
    client = await bootedClient();
    await client.run('xl create sprout-hvm');
    await client.run('xl create sprout-pv');
    view = mount(new ExitCounters(), 600, 700);
    view.client = client;
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  it('counts an HVM guest’s trapped port accesses by device, growing, with rates', async () => {
    await until(() => row('port:com1') !== null, 'the com1 row');
    expect(row('port:com1')?.closest('table')?.classList.contains('exits')).toBe(true);
    const first = count('port:com1');
    const direct = (await client.api.exitCounters('sprout-hvm'))['port:com1'] ?? 0;
    expect(direct).toBeGreaterThanOrEqual(first);
    await until(() => count('port:com1') > first, 'the count to grow');
    await until(
      () => !/^0$/.test(deepText(row('port:com1')?.children[2] as Element).trim()),
      'a rate',
    );
    expect(row('port:com1')?.getAttribute('title')).toBe(explainReason('port:com1'));
  });

  it('lists a PV guest’s calls to the VMM under hypercalls', async () => {
    const pv = [...(view.shadowRoot?.querySelectorAll('.pick button') ?? [])].find((b) =>
      deepText(b).includes('sprout-pv'),
    );
    await userEvent.click(pv as HTMLButtonElement);
    await until(() => row('sbi:DBCN.console_write_byte') !== null, 'the PV guest’s console writes');
    expect(row('sbi:DBCN.console_write_byte')?.closest('table')?.classList.contains('hyper')).toBe(
      true,
    );
    expect(count('sbi:DBCN.console_write_byte')).toBeGreaterThan(40);
    expect(row('port:com1')).toBeNull();
  });
});
