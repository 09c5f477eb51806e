import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoPath } from '../../src/ui/io-path';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, deepText, mount, until } from './helpers/booted-client';

describe('<io-path>: an HVM and a PV guest’s I/O, hop by hop', () => {
  let client: VmServerClient;
  let view: IoPath;
  const col = (kind: string): Element | null =>
    view.shadowRoot?.querySelector(`.col[data-kind="${kind}"]`) ?? null;

  beforeAll(async () => {
    client = await bootedClient();
    view = mount(new IoPath(), 1100, 800);
    view.client = client;
  });
  afterAll(() => {
    view?.remove();
    client?.dispose();
  });

  it('asks for guests when none runs', async () => {
    await until(
      () => deepText(col('hvm') as Element).includes('No HVM guest is running'),
      'the note',
    );
  });

  it('shows driver → exits → device model for HVM and front end → hypercalls → back end for PV', async () => {
    await client.run('xl create sprout-hvm');
    await client.run('xl create sprout-pv');
    client.startSampling(250);
    await until(() => (col('hvm')?.querySelectorAll('li.hop').length ?? 0) === 4, 'four HVM hops');
    await until(() => deepText(col('hvm') as Element).includes('port:com1'), 'the exits');
    const hvm = [...(col('hvm')?.querySelectorAll('li.hop') ?? [])].map((h) => deepText(h));
    expect(hvm[0]).toContain('16550 UART driver');
    expect(hvm[1]).toMatch(/port:com1\s*[\d,]+ · [\d.k]+\/s/);
    expect(hvm[2]).toMatch(/UART 16550 model \(COM1\)\s*[\d,]+ register accesses/);
    await until(() => deepText(col('pv') as Element).includes('sbi:DBCN.console_read'), 'PV calls');
    const pv = [...(col('pv')?.querySelectorAll('li.hop') ?? [])].map((h) => deepText(h));
    expect(pv[0]).toContain('xencons front end');
    expect(pv[2]).toContain('console back end (xenconsoled)');
    // The guests poll their consoles all the time: the hops light up.
    await until(
      () => (col('hvm')?.querySelectorAll('li.hop.active').length ?? 0) > 0,
      'active hops',
    );
  });

  it('follows a PV guest’s disk request to its host-disk offset (the real Sprout)', async () => {
    const sprout = await bootedClient('sprout');
    const v = mount(new IoPath(), 1100, 800);
    v.client = sprout;
    try {
      await sprout.run('xl create sprout-pv');
      sprout.startSampling(250);
      const hostHop = (): string => {
        const hops = v.shadowRoot?.querySelectorAll('.col[data-kind="pv"] li.hop');
        return hops?.[3] ? deepText(hops[3]) : '';
      };
      await until(
        () => /byte 0x[0-9a-f]+/.test(hostHop()),
        'a disk request at the host hop',
        60_000,
      );
      expect(hostHop()).toMatch(/(read|write|flush) .* at guest sector [\d,]+\s*\/dev\/sda2/);
      expect(hostHop()).toMatch(/\d+ hypercalls, \d+ grant ops/);
    } finally {
      v.remove();
      sprout.dispose();
    }
  });

  it('links each disk request to the VM exits that carried it: port accesses (HVM), the notify hypercall (PV)', async () => {
    const sprout = await bootedClient('sprout');
    const v = mount(new IoPath(), 1100, 900);
    v.client = sprout;
    try {
      await sprout.run('xl create sprout-hvm');
      await sprout.run('xl create sprout-pv');
      sprout.startSampling(250);
      const carried = (kind: 'hvm' | 'pv'): string => {
        const ol = v.shadowRoot?.querySelector(`.col[data-kind="${kind}"] ol.trace.linked`);
        return ol ? deepText(ol) : '';
      };
      // Sprout mounts its disk at boot; once it idles, its last request's exits are still in the VMM's trace.
      const seen: Record<'hvm' | 'pv', string> = { hvm: '', pv: '' };
      const catches = (kind: 'hvm' | 'pv', re: RegExp) => (): boolean => {
        const text = carried(kind);
        if (!re.test(text)) return false;
        seen[kind] = text;
        return true;
      };
      await until(catches('hvm', /port:ide0/), 'HVM exits linked to a request', 60_000);
      await until(
        catches('pv', /hypercall:event_channel_op\.send/),
        'the PV notify linked to a request',
        60_000,
      );
      for (const kind of ['hvm', 'pv'] as const) {
        const text = seen[kind];
        const m =
          /disk request #(\d+) \((read|write|flush), host LBA ([\d,—]+)\) \(exits? #(\d+)(?:–#(\d+))?\)/.exec(
            text,
          );
        expect(m, text).not.toBeNull();
        const [first, last] = [Number(m?.[4]), Number(m?.[5] ?? m?.[4])];
        // Every exit listed lies in the range the request names, and only its kind of exit is there.
        const seqs = [...text.matchAll(/#(\d+) VMM: (\S+) exit/g)];
        expect(seqs.length).toBeGreaterThan(0);
        for (const [, seq, reason] of seqs) {
          expect(Number(seq)).toBeGreaterThanOrEqual(first);
          expect(Number(seq)).toBeLessThanOrEqual(last);
          if (kind === 'hvm') expect(reason).toBe('port:ide0');
        }
      }
    } finally {
      v.remove();
      sprout.dispose();
    }
  });
});
