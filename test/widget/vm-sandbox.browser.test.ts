import { afterAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { VmSandbox } from '../../src/widget/vm-sandbox';
import { deepText, mount, until } from '../ui/helpers/booted-client';

describe('<vm-sandbox>: one guest embedded in a page', () => {
  const boxes: VmSandbox[] = [];
  afterAll(() => boxes.forEach((b) => b.remove()));

  it('boots its own VM server, starts the seeded PV Sprout, and runs what is typed', async () => {
    const box = mount(new VmSandbox(), 800, 420);
    boxes.push(box);
    await until(() => box.console?.text().includes('Welcome to Sprout') ?? false, 'Sprout', 60_000);
    box.console?.focus();
    await userEvent.keyboard('echo from the page{Enter}');
    await until(() => /^from the page$/m.test(box.console?.text() ?? ''), 'the output');
    expect(deepText(box.shadowRoot as ShadowRoot)).toMatch(/sprout-pv pv [\d,]+ VM exits/);
  });

  it('takes an inline definition, and says plainly when it cannot start it', async () => {
    const box = new VmSandbox();
    const script = document.createElement('script');
    script.type = 'text/xl-config';
    script.textContent = 'name = "broken"\ntype = "pv"\nmemory = lots\n';
    box.append(script);
    mount(box, 800, 300);
    boxes.push(box);
    await until(
      () => deepText(box.shadowRoot as ShadowRoot).includes('Could not start'),
      'the error',
    );
    expect(deepText(box.shadowRoot as ShadowRoot)).toMatch(/\/etc\/xen\/vm\/broken:3:\d+/);
  });
});
