import { describe, expect, it } from 'vitest';
import { parseXlConfig } from '../../src/server/config/xl-config';
import { configText, VALID_NAME, type NewVm } from '../../src/ui/new-vm-config';

/** What the create form writes must be what xl reads: checked with the VM server's own parser. */
const base: NewVm = {
  name: 'web1',
  type: 'hvm',
  memory: 48,
  vcpus: 2,
  weight: 512,
  diskGiB: 0,
  kernel: '/usr/lib/tabvisor/guests/sprout.elf',
  autostart: true,
};

describe('the create form’s configuration file', () => {
  it.each([
    ['hvm', { vga: 'stdvga', serial: ['pty'], cmdline: 'console=ttyS0' }],
    ['pv', { cmdline: 'console=hvc0' }],
  ] as const)('a %s VM parses back to the values entered, without warnings', (type, extra) => {
    const text = configText({ ...base, type });
    const { config, warnings } = parseXlConfig(text, { file: '/etc/xen/vm/web1' });
    expect(warnings.map((w) => w.toString())).toEqual([]);
    expect(config).toMatchObject({
      name: 'web1',
      type,
      memory: 48,
      vcpus: 2,
      cpu_weight: 512,
      kernel: base.kernel,
      autostart: true,
      on_reboot: 'restart',
      ...extra,
    });
    expect(config.disk).toEqual([]);
  });

  it('a disk on a host partition becomes the guest’s first disk (hda for HVM, xvda for PV)', () => {
    for (const [type, vdev] of [
      ['hvm', 'hda'],
      ['pv', 'xvda'],
    ] as const) {
      const { config } = parseXlConfig(configText({ ...base, type, diskTarget: '/dev/sda4' }), {});
      expect(config.disk).toHaveLength(1);
      expect(config.disk[0]).toMatchObject({ target: '/dev/sda4', vdev });
    }
  });

  it('a NIC on xenbr0 unless network is off: the NE2000 for HVM, a netfront vif for PV', () => {
    const nic = (vm: NewVm) => parseXlConfig(configText(vm), {}).config.vif;
    expect(nic({ ...base, type: 'hvm' })).toMatchObject([{ bridge: 'xenbr0', model: 'ne2k_isa' }]);
    expect(nic({ ...base, type: 'pv' })).toMatchObject([{ bridge: 'xenbr0' }]);
    expect(nic({ ...base, type: 'pv' })[0]?.model).toBeUndefined();
    expect(nic({ ...base, network: false })).toEqual([]);
  });

  it('a disk size without storage is only a comment (nothing xl would try to open)', () => {
    const text = configText({ ...base, diskGiB: 20 });
    expect(text).toMatch(/^# disk: 20 GiB requested/m);
    expect(parseXlConfig(text, {}).config.disk).toEqual([]);
  });

  it.each([
    ['web1', true],
    ['a.b_c-d', true],
    ['-lead', false],
    ['has space', false],
    ['', false],
    ['x'.repeat(65), false],
  ])('name %j is accepted: %s', (name, ok) => {
    expect(VALID_NAME.test(name)).toBe(ok);
  });
});
