import { describe, expect, it } from 'vitest';
import type { DomainRow } from '../../../src/server/toolstack/toolstack.ts';
import {
  formatSchedCredit,
  formatXentop,
  formatXlInfo,
  formatXlList,
  XENTOP_COLUMNS,
  xentopState,
} from '../../../src/server/toolstack/xl-format.ts';
import type { HostInfo } from '../../../src/vmm/vmm.ts';

const row = (over: Partial<DomainRow>): DomainRow => ({
  id: 0,
  name: 'Domain-0',
  uuid: '00000000-0000-0000-0000-000000000000',
  type: 'host',
  state: 'running',
  stateLetters: 'r-----',
  shutdownReason: null,
  memoryKiB: 750 * 1024,
  maxMemoryKiB: 750 * 1024,
  vcpus: 4,
  onlineVcpus: 4,
  cpuTimeNs: 11794.3e9,
  weight: 256,
  cap: 0,
  exits: 0,
  consoleBytesOut: 0,
  consoleBytesIn: 0,
  disks: 0,
  nics: 0,
  vbd: { VBDS: 0, VBD_OO: 0, VBD_RD: 0, VBD_WR: 0, VBD_RSECT: 0, VBD_WSECT: 0 },
  net: { NETS: 0, NETTX: 0, NETRX: 0 },
  ...over,
});

const host: HostInfo = {
  totalMemoryKiB: 1024 * 1024,
  freeMemoryKiB: 512 * 1024,
  pcpus: 2,
  timeMode: 'deterministic',
  nowNs: 0,
};

describe('xl list', () => {
  it("prints xl's header and rows byte for byte (the xl(1) example)", () => {
    expect(formatXlList([row({})])).toBe(
      'Name                                        ID   Mem VCPUs      State   Time(s)\n' +
        'Domain-0                                     0   750     4     r-----   11794.3\n',
    );
  });

  it('pads long names, large ids and rounds memory down to MiB and time to 0.1 s', () => {
    const out = formatXlList([
      row({}),
      row({
        id: 12,
        name: 'web',
        memoryKiB: 16 * 1024 + 1023,
        onlineVcpus: 1,
        stateLetters: '-b----',
        cpuTimeNs: 1.26e9,
      }),
    ]).split('\n');
    expect(out[2]).toBe(`web${' '.repeat(37)}    12    16     1     -b----       1.3`);
    expect(out[1]?.length).toBe(out[2]?.length);
  });
});

describe('xl sched-credit', () => {
  it('prints the pool line and the Name/ID/Weight/Cap table', () => {
    expect(formatSchedCredit([row({}), row({ id: 3, name: 'db', weight: 512, cap: 50 })])).toBe(
      'Cpupool Pool-0: tslice=30ms ratelimit=1000us migration-delay=0us\n' +
        'Name                                ID Weight  Cap\n' +
        'Domain-0                             0    256    0\n' +
        'db                                   3    512   50\n',
    );
  });
});

describe('xl info', () => {
  it('prints "key : value" lines with the keys padded to 23 columns', () => {
    const out = formatXlInfo(host, {
      hostname: 'dom0',
      cpuMhz: 100,
      commandLine: 'x',
      uptimeSec: 1,
    });
    expect(out).toContain('nr_cpus                : 2\n');
    expect(out).toContain('total_memory           : 1024\n');
    expect(out).toContain('free_memory            : 512\n');
    expect(out).toContain('xen_scheduler          : credit\n');
    for (const line of out.trimEnd().split('\n')) expect(line.slice(23, 25)).toBe(': ');
  });
});

describe('xentop', () => {
  it.each([
    ['r-----', '-----r'],
    ['-b----', '--b---'],
    ['--p---', '----p-'],
    ['---s--', '-s----'],
    ['----c-', '---c--'],
    ['-----d', 'd-----'],
  ])('reorders xl state %s into xentop order dsbcpr: %s', (xl, top) => {
    expect(xentopState(xl)).toBe(top);
  });

  it('prints the summary, every xentop column at its width, and CPU(%) over the interval', () => {
    const before = {
      rows: [
        row({}),
        row({
          id: 1,
          name: 'web',
          stateLetters: '-b----',
          cpuTimeNs: 1e9,
          memoryKiB: 16384,
          maxMemoryKiB: 32768,
          onlineVcpus: 1,
          nics: 1,
          disks: 2,
          vbd: { VBDS: 2, VBD_OO: 1, VBD_RD: 7, VBD_WR: 3, VBD_RSECT: 56, VBD_WSECT: 24 },
          net: { NETS: 1, NETTX: 5 * 1024 + 1000, NETRX: 12 * 1024 },
        }),
      ],
      nowNs: 10e9,
    };
    const after = {
      rows: [before.rows[0] as DomainRow, { ...(before.rows[1] as DomainRow), cpuTimeNs: 1.5e9 }],
      nowNs: 12e9,
    };
    const lines = formatXentop(after, before, host, { clock: '10:00:00', cpuMhz: 100 }).split('\n');
    expect(lines[0]).toBe('xentop - 10:00:00   Xen 4.17-tabvisor');
    expect(lines[1]).toBe(
      '2 domains: 1 running, 1 blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown ',
    );
    expect(lines[2]).toBe('Mem: 1048576k total, 524288k used, 524288k free    CPUs: 2 @ 100MHz');
    expect(lines[3]).toBe(
      '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID',
    );
    expect(lines[3]?.trim().split(/\s+/)).toEqual(XENTOP_COLUMNS);
    expect(lines[5]).toBe(
      '       web --b---          1   25.0      16384    1.6      32768       3.1     1    1        5       12    2        1        7        3         56         24    0',
    );
    // Every cell sits under its header's right edge.
    const ends = (s: string): number[] =>
      [...s.matchAll(/\S+/g)].map((m) => (m.index ?? 0) + m[0].length);
    expect(ends(lines[5] as string)).toEqual(ends(lines[3] as string));
    // The first screen has no interval: CPU(%) is 0.0, as in xentop.
    expect(formatXentop(after, null, host, { clock: '', cpuMhz: 1 })).toContain(
      '--b---          1    0.0',
    );
  });
});
