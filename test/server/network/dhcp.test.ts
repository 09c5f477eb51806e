import { describe, expect, it } from 'vitest';
import {
  BOOTP_BROADCAST_FLAG,
  BOOTREPLY,
  BOOTREQUEST,
  buildDhcp,
  DhcpMessageType,
  messageTypeName,
  parseDhcp,
  type DhcpMessage,
} from '../../../src/server/network/dhcp';
import { hex } from './dom0-rig';

const discover: DhcpMessage = {
  op: BOOTREQUEST,
  xid: 0x3903f326,
  flags: BOOTP_BROADCAST_FLAG,
  ciaddr: '0.0.0.0',
  yiaddr: '0.0.0.0',
  siaddr: '0.0.0.0',
  giaddr: '0.0.0.0',
  chaddr: '00:16:3e:12:34:56',
  options: {
    messageType: DhcpMessageType.DISCOVER,
    requestedIp: '10.0.0.150',
    hostName: 'sprout',
    clientId: hex('01 00163e123456'),
    parameterRequestList: [1, 3, 6, 12],
  },
};

/** A DHCP message by hand: the BOOTP header then the cookie and `options` (hex). */
function handMade(options: string, header: Record<number, number> = {}): Uint8Array {
  const opts = hex(options);
  const m = new Uint8Array(240 + opts.length);
  m[0] = 1; // op
  m[1] = 1; // htype Ethernet
  m[2] = 6; // hlen
  m.set(hex('deadbeef'), 4); // xid
  m.set(hex('00163e000002'), 28); // chaddr
  m.set(hex('63825363'), 236);
  m.set(opts, 240);
  for (const [i, v] of Object.entries(header)) m[Number(i)] = v;
  return m;
}

function parsed(bytes: Uint8Array): DhcpMessage {
  const r = parseDhcp(bytes);
  if (!r.ok) throw new Error(r.reason);
  return r.packet;
}

describe('DHCP messages (RFC 2131 §2, RFC 2132)', () => {
  it('puts the BOOTP fields at their offsets, the cookie at 236 and pads to 300 bytes', () => {
    const b = buildDhcp({ ...discover, ciaddr: '10.0.0.7', giaddr: '10.0.0.9', secs: 3 });
    expect(b.length).toBe(300);
    expect([...b.subarray(0, 4)]).toEqual([1, 1, 6, 0]); // op, htype, hlen, hops
    expect([...b.subarray(4, 8)]).toEqual([0x39, 0x03, 0xf3, 0x26]); // xid
    expect([...b.subarray(8, 12)]).toEqual([0, 3, 0x80, 0]); // secs, flags (B bit)
    expect([...b.subarray(12, 16)]).toEqual([10, 0, 0, 7]); // ciaddr
    expect([...b.subarray(24, 28)]).toEqual([10, 0, 0, 9]); // giaddr
    expect([...b.subarray(28, 44)]).toEqual([
      0,
      0x16,
      0x3e,
      0x12,
      0x34,
      0x56,
      ...Array(10).fill(0),
    ]);
    expect([...b.subarray(236, 240)]).toEqual([99, 130, 83, 99]);
    expect([...b.subarray(240, 243)]).toEqual([53, 1, 1]); // message type first
    const end = b.indexOf(255, 240);
    expect(b.subarray(end + 1).every((x) => x === 0)).toBe(true);
  });

  it('round-trips every option it knows', () => {
    const offer: DhcpMessage = {
      ...discover,
      op: BOOTREPLY,
      yiaddr: '10.0.0.100',
      options: {
        messageType: DhcpMessageType.OFFER,
        serverId: '10.0.0.1',
        leaseTime: 86400,
        subnetMask: '255.255.255.0',
        router: ['10.0.0.1'],
        dnsServers: ['10.0.0.53', '10.0.0.54'],
        hostName: 'sprout',
        clientId: hex('01 00163e123456'),
        other: [{ code: 58, data: hex('0000a8c0') }],
      },
    };
    const p = parsed(buildDhcp(offer));
    expect(p).toMatchObject({ ...offer, sname: '', file: '', hops: 0, secs: 0 });
    expect(parsed(buildDhcp(discover)).options).toEqual(discover.options);
  });

  it('reads options written by hand, skipping PAD and stopping at END', () => {
    const m = parsed(
      handMade(
        '35 01 03' + // message type REQUEST
          '00 00' + // pad
          '32 04 0a000065' + // requested IP 10.0.0.101
          '36 04 0a000001' + // server id
          '0c 05 616c706861' + // host name "alpha"
          'ff' +
          '33 04 00000001', // after END: not read
      ),
    );
    expect(m.xid).toBe(0xdeadbeef);
    expect(m.chaddr).toBe('00:16:3e:00:00:02');
    expect(m.options).toEqual({
      messageType: DhcpMessageType.REQUEST,
      requestedIp: '10.0.0.101',
      serverId: '10.0.0.1',
      hostName: 'alpha',
    });
  });

  it('splits an option longer than 255 bytes and joins the pieces back (RFC 3396)', () => {
    const hostName = 'h'.repeat(300);
    const b = buildDhcp({ ...discover, options: { messageType: 1, hostName } });
    expect([...b.subarray(243, 245)]).toEqual([12, 255]);
    expect([...b.subarray(243 + 257, 243 + 259)]).toEqual([12, 45]);
    expect(parsed(b).options.hostName).toBe(hostName);
  });

  it('reads options overloaded into the file field (option 52)', () => {
    const m = handMade('34 01 01  35 01 01  ff');
    m.set(hex('0c 03 626f62 ff'), 108); // host name "bob" in `file`
    const p = parsed(m);
    expect(p.options.hostName).toBe('bob');
    expect(p.file).toBe('');
  });

  it.each([
    ['a message shorter than header + cookie', handMade('').subarray(0, 239), /truncated/],
    ['BOOTP without the magic cookie', handMade('35 01 01 ff', { 236: 0 }), /cookie/],
    ['htype 6 (IEEE 802)', handMade('35 01 01 ff', { 1: 6 }), /Ethernet/],
    ['an option running past the end', handMade('35 01 01 0c 09 616263'), /overruns/],
    ['a length byte missing', handMade('35 01 01 0c'), /overruns/],
    ['option 53 of length 2', handMade('35 02 01 01 ff'), /option 53/],
    ['option 50 of length 3', handMade('35 01 03 32 03 0a0000 ff'), /option 50/],
    ['option 3 of length 6', handMade('35 01 02 03 06 0a0000010a00 ff'), /option 3/],
  ])('rejects %s', (_name, bytes, reason) => {
    const r = parseDhcp(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('names message types', () => {
    expect(messageTypeName(DhcpMessageType.NAK)).toBe('DHCPNAK');
    expect(messageTypeName(undefined)).toBe('DHCP type missing');
  });
});
