import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { Dom0Terminal } from '../../src/ui/dom0-terminal';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<dom0-terminal>: the dom0 shell in xterm', () => {
  let client: VmServerClient;
  let term: Dom0Terminal;
  beforeAll(async () => {
    client = await bootedClient();
    term = mount(new Dom0Terminal(), 900, 500);
    term.client = client;
  });
  afterAll(() => {
    term?.remove();
    client?.dispose();
  });

  it('runs xl list typed at the keyboard and shows Domain-0', async () => {
    await until(() => term.text().includes('dom0:/# '), 'the prompt');
    term.focus();
    await userEvent.keyboard('xl list{Enter}');
    await until(() => /Domain-0 +0 +64 +\d+ +r-----/.test(term.text()), 'the Domain-0 line');
    expect(term.text()).toMatch(/Name +ID +Mem VCPUs +State +Time\(s\)/);
  });

  it('creates a guest with xl create, as the CLI would', async () => {
    term.type('xl create sprout-pv\r');
    await until(
      () => term.text().includes('Parsing config from /etc/xen/vm/sprout-pv'),
      'xl create',
    );
    await until(async () => (await client.api.run('xl list sprout-pv')).status === 0, 'the domain');
  });
});
