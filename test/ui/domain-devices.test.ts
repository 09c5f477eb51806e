import { describe, expect, it } from 'vitest';
import type { DomainSummary } from '../../src/worker/api';
import { devicePaths, splitReasons, xenstoreDeviceKinds } from '../../src/ui/domain-devices';

const summary = (type: DomainSummary['type']): DomainSummary => ({
  id: 1,
  name: 'g',
  uuid: '',
  type,
  state: 'running',
  stateLetters: 'r-----',
  memoryKiB: 32768,
  maxMemoryKiB: 32768,
  vcpus: 1,
  cpuTimeNs: 0,
  weight: 256,
  cap: 0,
  exits: 0,
  consoleBytesOut: 0,
  consoleBytesIn: 0,
  hasScreen: type === 'hvm',
  vbdSectorsRead: 0,
  vbdSectorsWritten: 0,
  nics: 0,
  netTxBytes: 0,
  netRxBytes: 0,
});

describe('the layers a guest’s I/O goes through', () => {
  it('HVM: each device model with the exits its ports and memory caused', () => {
    const exits = { 'port:com1': 40, 'port:ps2': 7, 'mmio:vga-text': 193, wfi: 3 };
    const accesses = { com1: { lsr: 30, 'rbr/thr/dll': 10 }, vga: { 'text-memory': 193 }, rtc: {} };
    const paths = devicePaths(summary('hvm'), exits, accesses, []);
    expect(paths.map((p) => [p.id, p.reasons, p.exits, p.accesses])).toEqual([
      ['com1', ['port:com1'], 40, 40],
      ['vga', ['mmio:vga-text'], 193, 193],
      ['rtc', [], 0, 0],
    ]);
    expect(paths.every((p) => p.serverKind === 'device model')).toBe(true);
    expect(paths[0]?.guestDriver).toMatch(/16550/);
  });

  it('PV: the console and xenstore always, plus the devices in xenstore, served by back ends', () => {
    const exits = { 'sbi:DBCN.console_write_byte': 80, 'hypercall:event_channel_op.send': 5 };
    const paths = devicePaths(summary('pv'), exits, {}, ['vbd']);
    expect(paths.map((p) => [p.id, p.server, p.exits])).toEqual([
      ['console', 'console back end (xenconsoled)', 80],
      ['xenstore', 'xenstored', 5],
      ['vbd', 'blkback', 5],
    ]);
  });

  it('lists PV device kinds from xenstore-ls, leaving out the suspend node', () => {
    const listing =
      'suspend = ""\n event-channel = ""\nvbd = ""\n 51712 = ""\n  backend = "/local/domain/0/backend/vbd/3/51712"\nvif = ""\n';
    expect(xenstoreDeviceKinds(listing)).toEqual(['vbd', 'vif']);
  });

  it('splits exits from hypercalls (PV hypercalls and SBI calls), most frequent first', () => {
    expect(
      splitReasons({
        'port:com1': 2,
        wfi: 9,
        'sbi:TIME.set_timer': 4,
        'hypercall:sched_op.block': 6,
      }),
    ).toEqual({
      exits: [
        ['wfi', 9],
        ['port:com1', 2],
      ],
      hypercalls: [
        ['hypercall:sched_op.block', 6],
        ['sbi:TIME.set_timer', 4],
      ],
    });
  });
});
