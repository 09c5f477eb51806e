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

  it('keeps following the output after being hidden (a tab switched away) and shown again', async () => {
    const rows = (): string =>
      (con.shadowRoot?.querySelector('.xterm-rows') as HTMLElement | null)?.innerText ?? '';
    // Enough lines that the console has scrollback, while it is on screen.
    con.focus();
    for (let i = 0; i < 30; i++) await userEvent.keyboard(`line ${i}{Enter}`);
    await until(() => rows().includes('you said: line 29'), 'the last line on screen');
    const box = con.parentElement as HTMLElement;
    box.style.display = 'none';
    await new Promise((r) => setTimeout(r, 200));
    await client.api.sendConsoleInput('sprout-pv', 'while hidden\r');
    await until(() => con.text().includes('you said: while hidden'), 'the answer in the buffer');
    // The grid may also have laid the tile out anew meanwhile (a guest started).
    box.style.height = '380px';
    box.style.display = 'flex';
    await new Promise((r) => setTimeout(r, 200));
    await client.api.sendConsoleInput('sprout-pv', 'after showing\r');
    // What a person sees: the newest lines, not the view the browser reset while hidden.
    await until(() => rows().includes('you said: after showing'), 'the newest line on screen');
    expect(rows()).toContain('you said: while hidden');
  });

  it('follows new output even when the view was moved without the reader (a hidden tab’s reset scroll), but not after the reader scrolls back', async () => {
    const rows = (): string =>
      (con.shadowRoot?.querySelector('.xterm-rows') as HTMLElement | null)?.innerText ?? '';
    const term = (con as unknown as { host: { terminal: import('@xterm/xterm').Terminal } }).host
      .terminal;
    for (let i = 0; i < 30; i++) await client.api.sendConsoleInput('sprout-pv', `fill ${i}\r`);
    await until(() => rows().includes('you said: fill 29'), 'the view at the bottom');
    // Moved up by something other than the reader: the next output brings it back down.
    term.scrollLines(-10);
    await client.api.sendConsoleInput('sprout-pv', 'after the reset\r');
    await until(() => rows().includes('you said: after the reset'), 'the newest line in view');
    // The reader scrolls back with the wheel: new output leaves the view where they put it.
    const viewport = con.shadowRoot?.querySelector('.xterm-screen') as HTMLElement;
    viewport.dispatchEvent(
      new WheelEvent('wheel', { deltaY: -400, bubbles: true, composed: true }),
    );
    term.scrollLines(-10);
    await new Promise((r) => setTimeout(r, 50));
    await client.api.sendConsoleInput('sprout-pv', 'while reading back\r');
    await until(
      () => con.text().includes('you said: while reading back'),
      'the answer in the buffer',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(rows()).not.toContain('you said: while reading back');
  });
});
