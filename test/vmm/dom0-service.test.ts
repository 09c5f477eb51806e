import { describe, expect, it } from 'vitest';
import { Vmm, type VmmOptions } from '../../src/vmm/vmm';
import { asm, elf, reg } from './helpers/asm';
import { program } from './helpers/programs';

/**
 * Latency to Domain-0: a guest's notification to the VM server, or an ioreq
 * that needs it, ends the guest's time slice there and then, so the server's
 * handler runs before the guest goes on — not up to a whole slice (10–30 ms)
 * later. Deterministic mode stays deterministic.
 */

const NS_PER_INSN = 10;

/** A pv-wait "notify" guest, bound by Domain-0, its boot-time events delivered. */
function notifyingGuest(opts: VmmOptions = {}) {
  const vmm = new Vmm({ hostMemoryMiB: 128, nsPerInstruction: NS_PER_INSN, ...opts });
  const id = vmm.createDomain({
    name: 'notifier',
    type: 'pv',
    memory: 4,
    kernel: program('pv-wait.elf'),
    cmdline: 'notify',
  });
  vmm.runUntil(() => /port=\d+/.test(vmm.consoleText(id)), 1e9);
  const port = Number(/port=(\d+)/.exec(vmm.consoleText(id))![1]);
  const local = vmm.evtchnBindInterdomain(id, port);
  expect(local).toBeGreaterThan(0);
  vmm.runFor(1e6); // delivers the bind's own pending event
  return { vmm, id, local };
}

/** Its answer to one notification: when Domain-0 saw it, in guest instructions after the send. */
function answerLag(): { lagInsns: number; spun: number; seen: number[] } {
  const { vmm, id, local } = notifyingGuest();
  const seen: number[] = [];
  let seenAt = -1;
  vmm.onEvent((p) => {
    seen.push(p);
    if (seenAt < 0) seenAt = vmm.now();
  });
  vmm.evtchnSend(local);
  expect(vmm.runUntil(() => seen.length > 0, 1e9)).toBe(true);
  const send = vmm
    .exitTrace(id)
    .filter((e) => e.reason === 'hypercall:event_channel_op.send')
    .at(-1);
  expect(send).toBeDefined();
  const lagInsns = (seenAt - send!.time) / NS_PER_INSN;
  const before = vmm.instructions(id)[0]!;
  vmm.runFor(1e6);
  return { lagInsns, spun: vmm.instructions(id)[0]! - before, seen };
}

describe('event latency to Domain-0', () => {
  it("serves a guest's notification within a few guest instructions, not a time slice", () => {
    const { lagInsns, spun, seen } = answerLag();
    expect(seen).toHaveLength(1);
    // The slice ends at the send (its ecall counts as one): a 10 ms tick would be 10^6.
    expect(lagInsns).toBeGreaterThanOrEqual(0);
    expect(lagInsns).toBeLessThanOrEqual(2);
    // And then the guest runs on at full speed (it counts in a loop).
    expect(spun).toBeGreaterThan(0.9 * (1e6 / NS_PER_INSN));
  });

  it('stays deterministic: the same run twice ends its slices at the same instructions', () => {
    const a = answerLag();
    const b = answerLag();
    expect(b).toEqual(a);
  });

  it('lets the host run the server before the guest continues in the background loop', async () => {
    const { vmm, id, local } = notifyingGuest();
    let atHandler = -1;
    let atMicrotask = -1;
    vmm.onEvent(() => {
      if (atHandler >= 0) return;
      atHandler = vmm.instructions(id)[0]!;
      // A back end's asynchronous part (blkback's promise chain, say).
      void Promise.resolve().then(() => (atMicrotask = vmm.instructions(id)[0]!));
    });
    vmm.evtchnSend(local);
    vmm.start();
    const end = performance.now() + 5000;
    while (atMicrotask < 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 1));
    await vmm.stop();
    expect(atHandler).toBeGreaterThan(0);
    // Not one guest instruction between the handler and its continuation.
    expect(atMicrotask).toBe(atHandler);
    // The loop went on afterwards.
    expect(vmm.instructions(id)[0]).toBeGreaterThan(atHandler);
  });
});

/** Stores a0 to 0x10000000 once, then counts in a0 forever. */
const storeThenSpin = (): Uint8Array =>
  elf([
    ...asm.li(reg.t0, 0x10000000),
    asm.addi(reg.a0, 0, 7),
    asm.sw(reg.a0, reg.t0, 0),
    asm.addi(reg.a0, reg.a0, 1),
    asm.jal(0, -4),
  ]);

/** Instructions the guest ran between its MMIO store and the end of that slice. */
function ioreqLag(spec: { preempt?: boolean; request?: boolean }): number {
  const vmm = new Vmm({ hostMemoryMiB: 128, nsPerInstruction: NS_PER_INSN });
  const id = vmm.createDomain({ name: 'io', type: 'hvm', memory: 1, kernel: storeThenSpin() });
  let atStore = -1;
  vmm.registerIoreqServer(id, {
    name: 'disk',
    ranges: [{ type: 'mmio', start: 0x10000000, size: 4 }],
    ...(spec.preempt ? { preempt: true } : {}),
    handler: {
      read: () => 0,
      write: () => {
        atStore = vmm.instructions(id)[0]!;
        if (spec.request) vmm.requestService();
      },
    },
  });
  // runUntil checks its condition after every slice: it returns when the store's slice ends.
  expect(vmm.runUntil(() => atStore >= 0, 1e9)).toBe(true);
  return vmm.instructions(id)[0]! - atStore;
}

describe('ioreqs that need the VM server', () => {
  it('end the slice at the access for a server registered with preempt', () => {
    expect(ioreqLag({ preempt: true })).toBeLessThanOrEqual(1);
  });

  it('end the slice when the device model calls requestService()', () => {
    expect(ioreqLag({ request: true })).toBeLessThanOrEqual(1);
  });

  it('leave the slice running for an ordinary device model', () => {
    // The guest spins on to the end of its budget (the next 10 ms tick).
    expect(ioreqLag({})).toBeGreaterThan(100_000);
  });
});
