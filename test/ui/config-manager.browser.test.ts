import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigManager } from '../../src/ui/config-manager';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, mount, until } from './helpers/booted-client';

describe('<config-manager>: the definitions in /etc/xen/vm, following the VM server', () => {
  let client: VmServerClient;
  let view: ConfigManager;
  const entry = (name: string): HTMLButtonElement | undefined =>
    [...(view.shadowRoot?.querySelectorAll<HTMLButtonElement>('nav button') ?? [])].find(
      (b) => b.textContent?.trim().startsWith(name) ?? false,
    );
  const running = (name: string): boolean => entry(name)?.querySelector('.dot') !== null;

  beforeAll(async () => {
    client = await bootedClient();
    // Connected first, the client given afterwards (as a page that boots after rendering).
    view = mount(new ConfigManager(), 900, 500);
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  it('lists the definitions of a client set after it was connected', async () => {
    view.client = client;
    await until(() => entry('sprout-pv') !== undefined, 'the seeded definitions');
    expect(entry('sprout-hvm')).toBeDefined();
    expect(running('sprout-pv')).toBe(false);
  });

  it('marks a definition running when its domain starts, and not when it is destroyed', async () => {
    await client.run('xl create sprout-pv');
    await until(() => running('sprout-pv'), 'running');
    expect(running('sprout-hvm')).toBe(false);
    await client.run('xl destroy sprout-pv');
    await until(() => !running('sprout-pv'), 'no longer running');
  });

  it('shows a definition written behind its back once the client re-reads /etc/xen/vm', async () => {
    await client.api.writeFile(
      '/etc/xen/vm/lab-extra',
      new TextEncoder().encode('name = "lab-extra"\ntype = "pv"\nmemory = 16\n'),
    );
    expect(entry('lab-extra')).toBeUndefined();
    await client.refreshConfigs();
    await until(() => entry('lab-extra') !== undefined, 'the new definition');
  });
});
