import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmConfigEditor } from '../../src/ui/vm-config-editor';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<vm-config-editor>: /etc/xen/vm/NAME with xl’s errors at their lines', () => {
  let client: VmServerClient;
  let editor: VmConfigEditor;
  const root = (): ShadowRoot => editor.shadowRoot as ShadowRoot;
  const textarea = (): HTMLTextAreaElement =>
    root().querySelector('textarea') as HTMLTextAreaElement;
  const markedLines = (): number[] =>
    [...root().querySelectorAll('.gutter div')]
      .map((d, i) => (d.classList.contains('error') ? i + 1 : 0))
      .filter((n) => n > 0);

  beforeAll(async () => {
    client = await bootedClient();
    await client.api.writeFile(
      '/etc/xen/vm/lab',
      'name = "lab"\ntype = "pv"\nkernel = "/usr/lib/tabvisor/guests/sprout.elf"\nmemory = 16\n',
    );
    editor = mount(new VmConfigEditor(), 900, 600);
    editor.client = client;
    editor.name = 'lab';
  });
  afterAll(() => {
    editor?.remove();
    client?.dispose();
  });

  it('loads the file and finds it valid', async () => {
    await until(() => textarea()?.value.startsWith('name = "lab"') ?? false, 'the text');
    await until(() => deepText(root()).includes('Valid configuration'), 'the check');
    expect(markedLines()).toEqual([]);
  });

  it('marks the line of a syntax error as you type, and lists it', async () => {
    await userEvent.click(textarea());
    textarea().setSelectionRange(textarea().value.length, textarea().value.length);
    await userEvent.keyboard('vcpus = two{Enter}');
    await until(() => markedLines().length > 0, 'a marked line');
    expect(markedLines()).toEqual([5]);
    expect(textarea().getAttribute('aria-invalid')).toBe('true');
    const problem = root().querySelector('ul.problems li.error button');
    expect(deepText(problem as Element)).toMatch(/Line 5, column 9: .*two/);
    // Clicking the problem puts the caret there.
    await userEvent.click(problem as HTMLButtonElement);
    const before = textarea().value.slice(0, textarea().selectionStart);
    expect(before.split('\n').length).toBe(5);
  });

  it('saves; xl create then refuses the file with the same message, and accepts it once fixed', async () => {
    await editor.save();
    const bad = await client.api.run('xl create lab');
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/\/etc\/xen\/vm\/lab:5:9:/);
    textarea().value = textarea().value.replace('two', '2');
    textarea().dispatchEvent(new Event('input'));
    await until(() => markedLines().length === 0, 'the mark to go');
    await editor.save();
    expect((await client.api.run('xl create lab')).status).toBe(0);
  });

  it('deletes the definition (refusing while it runs)', async () => {
    const del = root().querySelector<HTMLButtonElement>('button.danger');
    await userEvent.click(del as HTMLButtonElement);
    await userEvent.click(root().querySelector('.confirm button.danger') as HTMLButtonElement);
    await until(() => deepText(root()).includes('lab is running'), 'the refusal');
    await client.api.run('xl destroy lab');
    await client.refresh();
    await userEvent.click(root().querySelector('button.danger') as HTMLButtonElement);
    let deleted = '';
    editor.addEventListener(
      'vm-deleted',
      (e) => (deleted = (e as CustomEvent<{ name: string }>).detail.name),
    );
    await userEvent.click(root().querySelector('.confirm button.danger') as HTMLButtonElement);
    await until(() => deleted === 'lab', 'the deletion');
    expect((await client.api.run('ls /etc/xen/vm')).output).not.toContain('lab');
  });
});
