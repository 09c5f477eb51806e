import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmConsole } from '../../src/ui/vm-console';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<vm-console>: a guest console in xterm', () => {
  let client: VmServerClient;
  let con: VmConsole;
  beforeAll(async () => {
    client = await bootedClient();
    expect((await client.api.run('xl create sprout-pv')).status).toBe(0);
    con = mount(new VmConsole(), 700, 300);
    con.client = client;
    con.domain = 'sprout-pv';
  });
  afterAll(() => {
    con?.remove();
    client?.dispose();
  });

  it('shows the PV guest’s console output from the start (replayed history)', async () => {
    await until(() => con.text().includes('mode: PV'), 'the banner');
  });

  it('types into the guest’s console input (its PV console ring)', async () => {
    con.focus();
    await userEvent.keyboard('over the ring{Enter}');
    await until(() => con.text().includes('you said: over the ring'), 'the answer');
    const { domains } = await client.api.listDomains();
    expect(domains.find((d) => d.name === 'sprout-pv')?.consoleBytesIn).toBe(
      'over the ring\r'.length,
    );
  });

  it('follows the guest across a restart', async () => {
    await client.api.run('xl destroy sprout-pv');
    await until(() => con.text().includes('sprout-pv is gone'), 'the end note');
    await client.api.run('xl create sprout-pv');
    await until(() => con.text().includes('sprout-pv started'), 'the restart note');
    await until(() => con.text().split('mode: PV').length === 3, 'the new banner');
  });
});
