import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmCreateForm } from '../../src/ui/vm-create-form';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<vm-create-form>: a new VM as /etc/xen/vm/NAME', () => {
  let client: VmServerClient;
  let form: VmCreateForm;
  const q = <T extends Element>(sel: string): T => {
    const el = form.shadowRoot?.querySelector<T>(sel);
    if (!el) throw new Error(`no ${sel}`);
    return el;
  };

  beforeAll(async () => {
    client = await bootedClient();
    form = mount(new VmCreateForm(), 1000, 900);
    form.client = client;
  });
  afterAll(() => {
    form?.remove();
    client?.dispose();
  });

  it('refuses a name that already has a definition, by the field', async () => {
    await userEvent.fill(q('#vm-name'), 'sprout-pv');
    await until(() => q('#vm-name').getAttribute('aria-invalid') === 'true', 'the field marked');
    expect(deepText(q('#name-help'))).toContain('/etc/xen/vm/sprout-pv already exists');
  });

  it('writes the file from the fields, starts the VM, and the file parses as entered', async () => {
    await userEvent.fill(q('#vm-name'), 'web1');
    await userEvent.click(q('input[value="pv"]'));
    await userEvent.fill(q('#vm-memory'), '24');
    await userEvent.fill(q('#vm-vcpus'), '2');
    await userEvent.fill(q('#vm-weight'), '512');
    let created = '';
    form.addEventListener(
      'vm-created',
      (e) => (created = (e as CustomEvent<{ name: string }>).detail.name),
    );
    await userEvent.click(q('button[type="submit"]'));
    await until(() => created === 'web1', 'the vm-created event');
    const text = new TextDecoder().decode(await client.api.readFile('/etc/xen/vm/web1'));
    expect(text).toContain('name = "web1"');
    expect(text).toContain('type = "pv"');
    // xl's own reading of it (dry run prints the parsed configuration as JSON).
    const parsed = await client.api.run('xl create -n -q web1');
    expect(parsed.status).toBe(0);
    expect(parsed.output).toContain('"target_memkb": 24576');
    expect(parsed.output).toContain('"max_vcpus": 2');
    expect(parsed.output).toContain('"weight": 512');
    // Running, with the memory asked for (xl list counts the vCPUs the guest brought online).
    const list = await client.api.run('xl list web1');
    expect(list.output).toMatch(/^web1 +\d+ +24 +\d +r/m);
    expect(deepText(q('[role="status"]'))).toContain('Wrote /etc/xen/vm/web1 and started it');
  });
});
