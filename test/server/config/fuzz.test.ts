/**
 * The parser's contract: any input either parses or throws ConfigError
 * with a position inside the input — nothing else escapes. Seeded, so a
 * failure reproduces.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/server/config/config-error.ts';
import { parseDiskSpec } from '../../../src/server/config/disk-spec.ts';
import { formatXlConfigJson } from '../../../src/server/config/print-config.ts';
import { parseVifSpec } from '../../../src/server/config/vif-spec.ts';
import { parseXlConfig } from '../../../src/server/config/xl-config.ts';

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RICH = `# every key Tabvisor models
name = "sprout-hvm"; type = "hvm"
uuid = "a5d2b6e4-1f1e-4c3b-9f0a-0123456789ab"
memory = 64
maxmem = 0x80
vcpus = 2
maxvcpus = 4
cpu_weight = 256
cap = 0
kernel = "/boot/sprout"
ramdisk = '/boot/initrd'
root = "/dev/hda1"
extra = "quiet\\tx\\101"
disk = [ 'format=raw, vdev=hda, access=rw, target=/dev/xvg/a',
         '/srv/b.img,raw,hdb,ro', 'phy:/dev/sda5,xvda,w', 'file:/p,xvdb,w',
         ',hdc:cdrom,r', ]
vif = [ 'mac=00:16:3e:01:02:03,bridge=xenbr0,model=ne2k_isa,ip=10.0.0.2,rate=10Mb/s@20ms,mtu=1500' ]
vga = "stdvga"
videoram = 16
serial = [ "pty" ]
boot = "cd"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
autostart = 1
sdl = 1
colour = "blue"
`;

const FIXTURES = ['xlexample.hvm', 'xlexample.pvlinux', 'xlexample.pvhlinux', 'xmexample1'].map(
  (f) => readFileSync(fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url)), 'utf8'),
);
const SEEDS = [RICH, ...FIXTURES];

/** Pieces that make mutations land on interesting syntax. */
const SNIPPETS = [
  '=',
  '+=',
  '"',
  "'",
  '[',
  ']',
  ',',
  ';',
  '\n',
  '\r\n',
  '#',
  '\\',
  '\\x',
  '\\7',
  ' ',
  '\t',
  '0x',
  '010',
  '-',
  '.',
  '(',
  ':',
  'memory',
  'name',
  'disk',
  'vif',
  'type',
  '"hvm"',
  '"pv"',
  '[ ]',
  "'phy:/dev/x,hda,w'",
  "'mac=zz'",
  "'target='",
  'vdev=',
  '\u0000',
  '\u00e9',
  '\u2603',
  'Z',
  '_',
  '999999999999999999999',
  'on_crash',
  '"soft-reset"',
  'maxmem',
  'cap',
  'boot',
];

function mutate(text: string, r: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(r() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 8);
    switch (Math.floor(r() * 6)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1: // insert a snippet
        s = s.slice(0, at) + (SNIPPETS[Math.floor(r() * SNIPPETS.length)] as string) + s.slice(at);
        break;
      case 2: // replace one character with a random code unit
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + s.slice(at + 1);
        break;
      case 3: {
        // duplicate a line
        const lines = s.split('\n');
        const i = Math.floor(r() * lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        s = lines.join('\n');
        break;
      }
      case 4: {
        // swap two lines
        const lines = s.split('\n');
        const i = Math.floor(r() * lines.length);
        const j = Math.floor(r() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        s = lines.join('\n');
        break;
      }
      default: // truncate
        s = s.slice(0, at);
    }
  }
  return s;
}

interface Tally {
  ok: number;
  errors: number;
}

/** Parses; on error checks it is a ConfigError positioned inside the input. */
function check(input: string | Uint8Array, tally: Tally, overrides?: string[]): void {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const lines = text.split('\n').length;
  try {
    const r = parseXlConfig(input, { file: 'fuzz', ...(overrides ? { overrides } : {}) });
    // Printing must not throw either.
    formatXlConfigJson(r.config);
    tally.ok++;
  } catch (e) {
    if (!(e instanceof ConfigError)) {
      throw new Error(`non-ConfigError for ${JSON.stringify(text)}: ${String(e)}`, { cause: e });
    }
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
    if (e.file === 'fuzz') expect(e.line).toBeLessThanOrEqual(lines);
    expect(e.message.startsWith(`${e.file}:${e.line}:${e.column}: `)).toBe(true);
    tally.errors++;
  }
}

describe('xl.cfg parser fuzzing', () => {
  it('parses all seeds', () => {
    const tally = { ok: 0, errors: 0 };
    for (const s of SEEDS) check(s, tally);
    expect(tally).toEqual({ ok: SEEDS.length, errors: 0 });
  });

  it('random bytes: 5000 inputs, only ConfigError', () => {
    const r = rng(0x5eed0001);
    const tally = { ok: 0, errors: 0 };
    for (let n = 0; n < 5000; n++) {
      const bytes = new Uint8Array(Math.floor(r() * 200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
      check(bytes, tally);
    }
    expect(tally.ok + tally.errors).toBe(5000);
    expect(tally.errors).toBeGreaterThan(4000);
  });

  it('random token soup: 5000 inputs, only ConfigError, some parse', () => {
    const r = rng(0x5eed0002);
    const tally = { ok: 0, errors: 0 };
    for (let n = 0; n < 5000; n++) {
      let s = 'name="f"\nkernel="/k"\n';
      const count = Math.floor(r() * 12);
      for (let i = 0; i < count; i++) s += SNIPPETS[Math.floor(r() * SNIPPETS.length)] as string;
      check(s, tally);
    }
    expect(tally.ok).toBeGreaterThan(0);
    expect(tally.errors).toBeGreaterThan(0);
  });

  it('mutated valid configs: 12000 inputs, only ConfigError, both outcomes seen', () => {
    const r = rng(0x5eed0003);
    const tally = { ok: 0, errors: 0 };
    for (let n = 0; n < 12000; n++) {
      const seed = SEEDS[n % SEEDS.length] as string;
      check(mutate(seed, r), tally);
    }
    expect(tally.ok).toBeGreaterThan(500);
    expect(tally.errors).toBeGreaterThan(500);
  });

  it('mutated command-line overrides: 2000 inputs, only ConfigError', () => {
    const r = rng(0x5eed0004);
    const tally = { ok: 0, errors: 0 };
    for (let n = 0; n < 2000; n++) {
      check(RICH, tally, [mutate('memory=128', r), mutate("vif=['bridge=xenbr1']", r)]);
    }
    expect(tally.ok).toBeGreaterThan(0);
    expect(tally.errors).toBeGreaterThan(0);
  });

  it('disk and vif spec parsers never throw: 10000 inputs each', () => {
    const r = rng(0x5eed0005);
    const parts = [
      'phy:',
      'file:',
      'tap:',
      'raw:',
      'nbd:',
      'target=',
      'vdev=',
      'format=',
      'access=',
      'devtype=',
      'cdrom',
      ',',
      ':',
      '=',
      ' ',
      '/dev/x',
      'hda',
      'xvda',
      'rw',
      'ro',
      'w',
      'r',
      'qcow2',
      'mac=',
      'bridge=',
      'rate=',
      '@',
      '10Mb/s',
      'mtu=',
      'ip=',
      '00:16:3e:00:00:01',
      'zz',
      '\n',
    ];
    let ok = 0;
    for (let n = 0; n < 10000; n++) {
      let s = '';
      const count = Math.floor(r() * 8);
      for (let i = 0; i < count; i++) s += parts[Math.floor(r() * parts.length)] as string;
      const d = parseDiskSpec(s);
      const v = parseVifSpec(s, n);
      if (d.ok) ok++;
      expect(typeof (d.ok ? d.disk.vdev : d.error)).toBe('string');
      expect(typeof (v.ok ? v.vif.bridge : v.error)).toBe('string');
    }
    expect(ok).toBeGreaterThan(0);
  });
});
