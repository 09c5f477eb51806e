import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/server/config/config-error.ts';
import {
  parseCInteger,
  parseXlConfig,
  SHUTDOWN_ACTIONS,
  type ParsedXlConfig,
  type XlConfig,
} from '../../../src/server/config/xl-config.ts';

const FILE = '/etc/xen/vm/web';
const PV = 'name = "web"\nkernel = "/boot/sprout"\n';
const HVM = 'name = "web"\ntype = "hvm"\n';

function parse(text: string, overrides?: string[]): ParsedXlConfig {
  return parseXlConfig(text, { file: FILE, ...(overrides ? { overrides } : {}) });
}
const cfg = (text: string): XlConfig => parse(text).config;
const warnings = (text: string): string[] => parse(text).warnings.map(String);

function configError(text: string, overrides?: string[]): ConfigError {
  try {
    parse(text, overrides);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

/** Line and column of the first occurrence of `needle` in `text`. */
function posOf(text: string, needle: string): [number, number] {
  const at = text.indexOf(needle);
  const before = text.slice(0, at).split('\n');
  return [before.length, (before[before.length - 1] as string).length + 1];
}

function fixture(name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
}

describe('xl.cfg domain configuration', () => {
  describe('name and type', () => {
    it('requires a name', () => {
      const e = configError('memory = 64\nkernel = "/k"\n');
      expect(e.message).toBe(
        `${FILE}:1:1: name must be set: every domain needs a name (name = "...")`,
      );
    });

    it.each(['', 'a/b', 'tab\there'])('refuses the name %j', (name) => {
      const text = `kernel = "/k"\nname = ${JSON.stringify(name)}\n`;
      expect(configError(text).line).toBe(2);
    });

    it.each([
      ['type = "hvm"', 'hvm'],
      ['type = "pv"', 'pv'],
      ['type = "pvh"', 'pvh'],
      ['builder = "hvm"', 'hvm'],
      ['builder = "generic"', 'pv'],
      ['type = "hvm"\nbuilder = "hvm"', 'hvm'],
      ['', 'pv'],
    ])('reads %j as a %s domain', (line, type) => {
      expect(cfg(`name = "web"\nkernel = "/k"\n${line}\n`).type).toBe(type);
    });

    it('refuses an unknown type, and builder contradicting type', () => {
      const text = 'name = "web"\ntype = "xen"\n';
      expect(configError(text)).toMatchObject({ line: 2, column: 8 });
      expect(configError(text).detail).toBe('type must be hvm, pv or pvh, got "xen"');
      const both = 'name = "web"\ntype = "pv"\nkernel="/k"\nbuilder = "hvm"\n';
      expect(configError(both).detail).toContain('contradicting "builder" and "type"');
      expect(configError('name="w"\nbuilder="linux"\n').detail).toContain('builder must be');
    });

    it('normalises a uuid and refuses a malformed one', () => {
      const uuid = 'A5D2B6E4-1F1E-4C3B-9F0A-0123456789AB';
      expect(cfg(`${PV}uuid = "${uuid}"\n`).uuid).toBe(uuid.toLowerCase());
      expect(configError(`${PV}uuid = "1234"\n`).detail).toContain('uuid must look like');
    });
  });

  describe('memory and vCPUs', () => {
    it('defaults to libxl values: 32 MiB, maxmem = memory, 1 vCPU', () => {
      expect(cfg(PV)).toMatchObject({ memory: 32, maxmem: 32, vcpus: 1, maxvcpus: 1 });
    });

    it('reads memory and maxmem in MiB, decimal, hex or octal as strtol does', () => {
      expect(cfg(`${PV}memory = 128\nmaxmem = 512\n`)).toMatchObject({ memory: 128, maxmem: 512 });
      expect(cfg(`${PV}memory = 0x100\n`).memory).toBe(256);
      expect(cfg(`${PV}memory = "96"\n`).memory).toBe(96);
      const octal = parse(`${PV}memory = 010\n`);
      expect(octal.config.memory).toBe(8);
      expect(octal.warnings.map(String)[0]).toContain('octal (8)');
    });

    it('names the file, line and column of a bad memory value', () => {
      const text = `${PV}memory = "lots"\n`;
      const e = configError(text);
      const [line, column] = posOf(text, '"lots"');
      expect(e.message).toBe(
        `${FILE}:${line}:${column}: memory must be a positive integer (MiB), got "lots"`,
      );
    });

    it.each([
      ['memory = 0', 'memory must be a positive integer'],
      ['memory = "-5"', 'memory must be a positive integer'],
      ['memory = [ 64 ]', 'memory must be a positive integer (MiB), not a [ list ]'],
      ['memory = 64\nmemory += 1', "can't use += with numbers"],
      ['memory = 256\nmaxmem = 128', 'maxmem (128 MiB) must not be less than memory (256 MiB)'],
      ['vcpus = 0', 'vcpus must be an integer from 1 to 128'],
      ['vcpus = 129', 'vcpus must be an integer from 1 to 128'],
      ['vcpus = 4\nmaxvcpus = 2', 'maxvcpus (2) must not be less than vcpus (4)'],
    ])('refuses %j', (line, detail) => {
      expect(configError(`${PV}${line}\n`).detail).toContain(detail);
    });

    it('reads vcpus and maxvcpus', () => {
      expect(cfg(`${PV}vcpus = 2\nmaxvcpus = 4\n`)).toMatchObject({ vcpus: 2, maxvcpus: 4 });
    });
  });

  describe('credit scheduler parameters', () => {
    it('defaults cpu_weight to 256 and cap to 0 (no cap)', () => {
      expect(cfg(PV)).toMatchObject({ cpu_weight: 256, cap: 0 });
    });

    it.each([
      ['cpu_weight = 1', 'cpu_weight', 1],
      ['cpu_weight = 65535', 'cpu_weight', 65535],
      ['cap = 50', 'cap', 50],
      ['cap = 0', 'cap', 0],
    ])('accepts %s', (line, key, value) => {
      expect(cfg(`${PV}${line}\n`)[key as 'cap']).toBe(value);
    });

    it.each(['cpu_weight = 0', 'cpu_weight = 65536', 'cap = "-1"', 'cap = 70000'])(
      'refuses %s',
      (line) => {
        expect(configError(`${PV}${line}\n`).detail).toMatch(/must be an integer from/);
      },
    );

    it('warns when cap exceeds what the vCPUs can use', () => {
      expect(warnings(`${PV}vcpus = 2\ncap = 300\n`)[0]).toContain('more than 2 vCPU(s) can use');
      expect(warnings(`${PV}vcpus = 4\ncap = 300\n`)).toEqual([]);
    });
  });

  describe('kernel and command line', () => {
    it('reads kernel and ramdisk', () => {
      expect(cfg(`${PV}ramdisk = "/boot/initrd"\n`)).toMatchObject({
        kernel: '/boot/sprout',
        ramdisk: '/boot/initrd',
      });
    });

    it.each([
      ['cmdline = "console=hvc0"', 'console=hvc0'],
      ['root = "/dev/xvda1"', 'root=/dev/xvda1'],
      ['extra = "quiet"', 'quiet'],
      ['root = "/dev/xvda1 ro"\nextra = "4"', 'root=/dev/xvda1 ro 4'],
      ['extra = "a"\nextra += " b"', 'a b'],
    ])('builds the command line from %j', (lines, cmdline) => {
      expect(cfg(`${PV}${lines}\n`).cmdline).toBe(cmdline);
    });

    it("prefers cmdline over root and extra, with xl's warning", () => {
      const r = parse(`${PV}cmdline = "a"\nroot = "/dev/x"\nextra = "b"\n`);
      expect(r.config.cmdline).toBe('a');
      expect(r.warnings.map(String)).toEqual([
        `${FILE}:4:8: WARNING: ignoring root= and extra= in favour of cmdline=`,
      ]);
    });

    it('requires a kernel (or bootloader) for PV and PVH, not for HVM', () => {
      expect(configError('name = "web"\n').detail).toContain('neither kernel nor bootloader');
      expect(configError('name = "web"\ntype = "pvh"\n').detail).toContain('a pvh domain');
      expect(cfg('name = "web"\nbootloader = "pygrub"\n').bootloader).toBe('pygrub');
      expect(cfg(HVM).kernel).toBeUndefined();
    });
  });

  describe('disks and network interfaces', () => {
    it('reads both disk syntaxes and the legacy one in one list', () => {
      const c = cfg(
        `${PV}disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg/root',\n` +
          `         '/srv/data.img,raw,xvdb,ro',\n` +
          `         'phy:/dev/sda5,hda,w', 'file:/srv/swap,xvdc,w' ]\n`,
      );
      expect(c.disk.map((d) => [d.target, d.vdev, d.access])).toEqual([
        ['/dev/vg/root', 'xvda', 'rw'],
        ['/srv/data.img', 'xvdb', 'ro'],
        ['/dev/sda5', 'hda', 'rw'],
        ['/srv/swap', 'xvdc', 'rw'],
      ]);
      expect(c.disk.map((d) => d.devid)).toEqual([51712, 51728, 768, 51744]);
    });

    it('points at the list item of a bad disk', () => {
      const text = `${PV}disk = [ '/a,,xvda',\n  '/b,raw' ]\n`;
      const e = configError(text);
      expect([e.line, e.column]).toEqual(posOf(text, "'/b,raw'"));
      expect(e.detail).toBe('disk[1] "/b,raw": no vdev specified');
    });

    it('refuses two disks on one vdev', () => {
      const e = configError(`${PV}disk = [ '/a,,xvda', '/b,,xvda' ]\n`);
      expect(e.detail).toBe('disk[1]: vdev xvda is already used by disk[0]');
    });

    it('takes a single disk string as a one-item list, with a warning', () => {
      const r = parse(`${PV}disk = '/a,,xvda'\n`);
      expect(r.config.disk).toHaveLength(1);
      expect(r.warnings.map(String)[0]).toContain('disk should be a [ list ]');
    });

    it('reads vifs with their list index as devid and xenbr0 as default bridge', () => {
      const c = cfg(
        `${PV}vif = [ 'mac=00:16:3E:74:34:32', 'mac=00:16:3e:5f:48:e4,bridge=xenbr1' ]\n`,
      );
      expect(c.vif.map((v) => [v.devid, v.mac, v.bridge])).toEqual([
        [0, '00:16:3e:74:34:32', 'xenbr0'],
        [1, '00:16:3e:5f:48:e4', 'xenbr1'],
      ]);
    });

    it('points at a vif with an invalid mac', () => {
      const text = `${PV}vif = [ 'bridge=xenbr0', 'mac=zz:16:3e:00:00:01' ]\n`;
      const e = configError(text);
      expect([e.line, e.column]).toEqual(posOf(text, "'mac=zz"));
      expect(e.detail).toContain('vif[1]');
      expect(e.detail).toContain('invalid mac');
    });

    it('refuses duplicate vif devids and warns about a reused mac', () => {
      expect(configError(`${PV}vif = [ 'devid=1', '' , '']\n`).detail).toContain(
        'devid 1 is used twice',
      );
      const w = warnings(`${PV}vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]\n`);
      expect(w[0]).toContain('used twice');
    });
  });

  describe('HVM devices', () => {
    it('gives HVM guests libxl defaults: cirrus VGA, 8 MiB, boot "cd", no serial', () => {
      expect(cfg(HVM)).toMatchObject({ vga: 'cirrus', videoram: 8, boot: 'cd', serial: [] });
    });

    it.each([
      ['vga = "stdvga"', 'stdvga', 16],
      ['vga = "none"', 'none', 0],
      ['stdvga = 1', 'stdvga', 16],
      ['stdvga = 0', 'cirrus', 8],
      ['vga = "stdvga"\nvideoram = 32', 'stdvga', 32],
    ])('reads %j', (lines, vga, videoram) => {
      expect(cfg(`${HVM}${lines}\n`)).toMatchObject({ vga, videoram });
    });

    it('raises a too small videoram to the minimum, with a warning', () => {
      const r = parse(`${HVM}vga = "stdvga"\nvideoram = 4\n`);
      expect(r.config.videoram).toBe(16);
      expect(r.warnings.map(String)[0]).toContain('at least 16 MiB for stdvga');
    });

    it('reads serial as a string or a list, and the boot order', () => {
      expect(cfg(`${HVM}serial = "pty"\nboot = "dcn"\n`)).toMatchObject({
        serial: ['pty'],
        boot: 'dcn',
      });
      expect(cfg(`${HVM}serial = [ "pty", "file:/tmp/s" ]\n`).serial).toEqual([
        'pty',
        'file:/tmp/s',
      ]);
    });

    it.each([
      ['vga = "vesa"', 'vga must be one of stdvga, cirrus, none, qxl'],
      ['boot = "x"', 'boot must be letters'],
      ['videoram = 0', 'videoram must be a positive integer'],
    ])('refuses %j', (line, detail) => {
      expect(configError(`${HVM}${line}\n`).detail).toContain(detail);
    });

    it('ignores HVM-only keys for PV guests, with a warning each', () => {
      const r = parse(`${PV}vga = "stdvga"\nserial = "pty"\nboot = "c"\n`);
      expect(r.config.vga).toBeUndefined();
      expect(r.config.serial).toEqual([]);
      expect(r.warnings).toHaveLength(3);
      expect(r.warnings.map(String)[0]).toContain('vga is only used by HVM guests');
    });
  });

  describe('event actions and autostart', () => {
    it('defaults to destroy / restart / destroy as xl does', () => {
      expect(cfg(PV)).toMatchObject({
        on_poweroff: 'destroy',
        on_reboot: 'restart',
        on_crash: 'destroy',
        on_watchdog: 'destroy',
        on_soft_reset: 'soft-reset',
      });
    });

    it.each(
      SHUTDOWN_ACTIONS.flatMap((a) => ['on_poweroff', 'on_reboot', 'on_crash'].map((k) => [k, a])),
    )('accepts %s = %s', (key, action) => {
      expect(cfg(`${PV}${key} = "${action}"\n`)[key as 'on_crash']).toBe(action);
    });

    it('refuses an unknown action and lists the valid ones', () => {
      const e = configError(`${PV}on_crash = "reboot"\n`);
      expect(e.detail).toBe(
        'on_crash must be one of destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset; got "reboot"',
      );
    });

    it('reads autostart as a 0/1 number, off by default', () => {
      expect(cfg(PV).autostart).toBe(false);
      expect(cfg(`${PV}autostart = 1\n`).autostart).toBe(true);
      expect(cfg(`${PV}autostart = 0\n`).autostart).toBe(false);
      expect(configError(`${PV}autostart = "yes"\n`).detail).toBe(
        'autostart must be 0 or 1, got "yes"',
      );
    });
  });

  describe('unknown keys', () => {
    it('keeps unknown keys and warns, as xl ignores them', () => {
      const r = parse(`${PV}colour = "blue"\nsdl = 1\n`);
      expect(r.config.unknownKeys).toEqual(['colour']);
      expect(r.config.settings.get('colour')?.value).toMatchObject({ value: 'blue' });
      expect(r.warnings.map(String)).toEqual([
        `${FILE}:3:1: WARNING: ignoring unknown key "colour"`,
        `${FILE}:4:1: WARNING: ignoring "sdl": Tabvisor does not support this xl option`,
      ]);
    });
  });

  describe('xl create KEY=VALUE overrides', () => {
    it('applies overrides after the file', () => {
      const c = parse(`${PV}memory = 64\n`, ['memory=256', 'vcpus=2']).config;
      expect(c).toMatchObject({ memory: 256, vcpus: 2 });
    });

    it('names the argument in an error', () => {
      const e = configError(PV, ['vcpus=2', 'memory=lots']);
      expect(e.message).toBe(
        `${FILE} (argument 2):1:8: expected a value after '=', found lots (strings must be quoted: "lots")`,
      );
      const e2 = configError(PV, ['memory="lots"']);
      expect(e2.message).toBe(
        `${FILE} (argument 1):1:8: memory must be a positive integer (MiB), got "lots"`,
      );
    });
  });

  describe("Xen's own example configurations", () => {
    it('parses xlexample.hvm', () => {
      const r = parseXlConfig(fixture('xlexample.hvm'), { file: 'xlexample.hvm' });
      expect(r.config).toMatchObject({
        name: 'example.hvm',
        type: 'hvm',
        memory: 128,
        maxmem: 128,
        vcpus: 2,
        vga: 'cirrus',
      });
      expect(r.config.disk).toMatchObject([
        { target: '/dev/vg/guest-volume', format: 'raw', vdev: 'xvda', access: 'rw' },
      ]);
      expect(r.config.vif).toMatchObject([{ devid: 0, bridge: 'xenbr0' }]);
      expect(r.warnings.map((w) => w.detail)).toEqual([
        'ignoring "sdl": Tabvisor does not support this xl option',
      ]);
    });

    it('parses xlexample.pvlinux', () => {
      const r = parseXlConfig(fixture('xlexample.pvlinux'), { file: 'xlexample.pvlinux' });
      expect(r.config).toMatchObject({
        name: 'example.pvlinux',
        type: 'pv',
        kernel: '/boot/vmlinuz',
        cmdline: 'root=/dev/xvda1',
        memory: 128,
        vcpus: 2,
      });
      expect(r.config.disk[0]).toMatchObject({ target: '/dev/vg/guest-volume', vdev: 'xvda' });
      expect(r.warnings).toEqual([]);
    });

    it('parses xlexample.pvhlinux', () => {
      const r = parseXlConfig(fixture('xlexample.pvhlinux'), { file: 'xlexample.pvhlinux' });
      expect(r.config).toMatchObject({
        name: 'example.pvhlinux',
        type: 'pvh',
        memory: 512,
        vcpus: 4,
      });
      expect(r.config.disk[0]?.target).toBe('/dev/zvol/tank/guest-volume');
    });

    it('parses the legacy xmexample1 (phy: disk, root + extra)', () => {
      const r = parseXlConfig(fixture('xmexample1'), { file: 'xmexample1' });
      expect(r.config).toMatchObject({
        name: 'ExampleDomain',
        kernel: '/boot/vmlinuz-2.6.10-xenU',
        memory: 64,
        cmdline: 'root=/dev/hda1 ro 4',
      });
      expect(r.config.disk).toMatchObject([
        { target: 'hda1', vdev: 'hda1', access: 'rw', legacyPrefixes: ['phy'], devid: 769 },
      ]);
    });
  });

  it('reads a config given as bytes (UTF-8)', () => {
    const bytes = new TextEncoder().encode(`${PV}extra = "caf\u00e9"\n`);
    expect(parseXlConfig(bytes).config.cmdline).toBe('caf\u00e9');
  });

  it.each([
    ['42', 42],
    ['0x2A', 42],
    ['052', 42],
    [' 42', 42],
    ['-7', -7],
    ['0', 0],
    ['42abc', undefined],
    ['08', undefined],
    ['0x', undefined],
    ['', undefined],
    ['4 2', undefined],
  ])('parseCInteger(%j) is %s, as strtol(…, 0) with a full match', (text, value) => {
    expect(parseCInteger(text)).toBe(value);
  });
});
