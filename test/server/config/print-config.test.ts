import { describe, expect, it } from 'vitest';
import { formatXlConfigJson, xlConfigToJson } from '../../../src/server/config/print-config.ts';
import { parseXlConfig } from '../../../src/server/config/xl-config.ts';

const SPROUT_HVM = `
name = "sprout-hvm"
type = "hvm"
memory = 64
maxmem = 96
vcpus = 2
cpu_weight = 512
cap = 50
vga = "stdvga"
serial = "pty"
boot = "c"
disk = [ 'format=raw, vdev=hda, access=rw, target=/dev/xvg/sprout-hvm', ',hdc:cdrom,r' ]
vif = [ 'mac=00:16:3e:00:00:01, model=ne2k_isa, rate=1MB/s@20ms' ]
on_crash = "rename-restart"
autostart = 1
`;

describe('xl create -n output', () => {
  it('maps the configuration onto libxl_domain_config JSON', () => {
    const { config } = parseXlConfig(SPROUT_HVM, { file: '/etc/xen/vm/sprout-hvm' });
    expect(xlConfigToJson(config)).toEqual({
      c_info: { type: 'hvm', name: 'sprout-hvm' },
      b_info: {
        max_vcpus: 2,
        avail_vcpus: [0, 1],
        max_memkb: 96 * 1024,
        target_memkb: 64 * 1024,
        video_memkb: 16 * 1024,
        sched_params: { weight: 512, cap: 50 },
        'type.hvm': { vga: { kind: 'std' }, boot: 'c', serial: 'pty' },
      },
      disks: [
        {
          pdev_path: '/dev/xvg/sprout-hvm',
          vdev: 'hda',
          format: 'raw',
          removable: 0,
          readwrite: 1,
          is_cdrom: 0,
        },
        { vdev: 'hdc', format: 'empty', removable: 1, readwrite: 0, is_cdrom: 1 },
      ],
      nics: [
        {
          devid: 0,
          model: 'ne2k_isa',
          mac: '00:16:3e:00:00:01',
          bridge: 'xenbr0',
          nictype: 'vif_ioemu',
          rate_bytes_per_interval: 20000,
          rate_interval_usecs: 20000,
        },
      ],
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_watchdog: 'destroy',
      on_crash: 'restart_rename',
      on_soft_reset: 'soft_reset',
      tabvisor: { source: '/etc/xen/vm/sprout-hvm', autostart: true },
    });
  });

  it('prints readable JSON that parses back to the same object', () => {
    const { config } = parseXlConfig('name="p"\nkernel="/k"\nvcpus=3\ncmdline="console=hvc0"\n');
    const text = formatXlConfigJson(config);
    expect(JSON.parse(text)).toEqual(xlConfigToJson(config));
    expect(text).toContain('\n    "c_info": {\n        "type": "pv",\n        "name": "p"\n    },');
    expect(text).toContain('"avail_vcpus": [0, 1, 2],');
    expect(text).toContain('"cmdline": "console=hvc0"');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
