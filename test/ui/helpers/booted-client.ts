import * as Comlink from 'comlink';
import { page } from 'vitest/browser';
import { VmServerClient } from '../../../src/ui/vm-server-client';
import { demoGuest } from './demo-guest';

/**
 * A VM server in a real Web Worker for the component tests: memory storage
 * (file tree and host disk), no autostart, and by default the stand-in guest
 * (demo-guest.ts, small and quick to boot, answering every line typed)
 * installed where the Sprout image goes, so the seeded definitions start.
 */
export async function bootedClient(guest: 'demo' | 'sprout' = 'demo'): Promise<VmServerClient> {
  // The desktop's own size (the test iframe is narrow by default).
  await page.viewport(1280, 800);
  const client = VmServerClient.create();
  await client.boot({ storage: 'memory', autostart: false });
  // 'sprout': the real guest OS, fetched from public/guests/ as the page does.
  if (guest === 'sprout') return client;
  const image = demoGuest();
  await client.api.run('mkdir -p /usr/lib/tabvisor/guests');
  await client.api.writeFile(
    '/usr/lib/tabvisor/guests/sprout.elf',
    Comlink.transfer(image, [image.buffer]),
  );
  return client;
}

/** Poll until `cond` holds (the worker answers asynchronously). */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Put an element on the page in a box of the given size. */
export function mount<T extends HTMLElement>(el: T, width = 1200, height = 700): T {
  // Boxes left by removed elements would push this one out of view (views poll only when visible).
  for (const old of document.querySelectorAll('[data-test-box]'))
    if (!old.firstElementChild) old.remove();
  const box = document.createElement('div');
  box.dataset.testBox = '';
  box.style.cssText = `width:${width}px;height:${height}px;display:flex;flex-direction:column`;
  el.style.flex = '1';
  box.append(el);
  document.body.append(box);
  return el;
}

/** Text of an element's shadow tree (and of nested shadow trees). */
export function deepText(node: Node): string {
  let out = '';
  const walk = (n: Node): void => {
    if (n.nodeType === Node.TEXT_NODE) out += n.textContent ?? '';
    if (n instanceof Element && n.shadowRoot) walk(n.shadowRoot);
    for (const c of n.childNodes) walk(c);
  };
  walk(node);
  return out.replace(/\s+/g, ' ');
}
