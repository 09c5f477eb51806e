import { describe, expect, it } from 'vitest';
import {
  BOOTP_BROADCAST_FLAG,
  BOOTREPLY,
  BOOTREQUEST,
  DhcpMessageType,
  type DhcpMessage,
  type DhcpOptions,
} from '../../../src/server/network/dhcp';
import { DhcpServer, type DhcpOutcome } from '../../../src/server/network/dhcp-server';

const A = '00:16:3e:aa:00:01';
const B = '00:16:3e:aa:00:02';
const C = '00:16:3e:aa:00:03';
const RELAY = '00:16:3e:77:77:77';

function server(now = () => 1000) {
  return new DhcpServer({
    serverIp: '10.0.0.1',
    subnetMask: '255.255.255.0',
    poolFirst: '10.0.0.100',
    poolLast: '10.0.0.199',
    now,
  });
}

function msg(mac: string, options: DhcpOptions, fields: Partial<DhcpMessage> = {}): DhcpMessage {
  return {
    op: BOOTREQUEST,
    xid: 0x1234,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: mac,
    options,
    ...fields,
  };
}

function reply(o: DhcpOutcome) {
  if (o.kind !== 'reply') throw new Error(`no reply: ${o.reason}`);
  return o;
}

/** DISCOVER → OFFER → REQUEST → ACK; returns the acknowledged address. */
function dora(s: DhcpServer, mac: string): string {
  const offer = reply(s.handle(msg(mac, { messageType: DhcpMessageType.DISCOVER }), mac)).reply;
  const ack = reply(
    s.handle(
      msg(mac, {
        messageType: DhcpMessageType.REQUEST,
        serverId: '10.0.0.1',
        requestedIp: offer.yiaddr,
      }),
      mac,
    ),
  ).reply;
  expect(ack.options.messageType).toBe(DhcpMessageType.ACK);
  return ack.yiaddr;
}

describe('DhcpServer (RFC 2131 §4.3)', () => {
  it('runs DISCOVER/OFFER/REQUEST/ACK for a registered MAC with a fixed ip=', () => {
    const s = server();
    s.registerClient(A, { ip: '10.0.0.42', hostname: 'alpha' });
    const client = hexId(A);
    const offer = reply(
      s.handle(msg(A, { messageType: DhcpMessageType.DISCOVER, clientId: client }, { xid: 77 }), A),
    );
    // Table 3: the fields and options of a DHCPOFFER.
    expect(offer.reply).toEqual({
      op: BOOTREPLY,
      xid: 77,
      flags: 0,
      ciaddr: '0.0.0.0',
      yiaddr: '10.0.0.42',
      siaddr: '0.0.0.0',
      giaddr: '0.0.0.0',
      chaddr: A,
      options: {
        messageType: DhcpMessageType.OFFER,
        serverId: '10.0.0.1',
        leaseTime: 86400,
        subnetMask: '255.255.255.0',
        router: ['10.0.0.1'],
        hostName: 'alpha',
        clientId: client,
      },
    });
    // No broadcast bit, no ciaddr: unicast to yiaddr at chaddr.
    expect(offer.to).toEqual({ ip: '10.0.0.42', mac: A, port: 68 });

    const ack = reply(
      s.handle(
        msg(A, {
          messageType: DhcpMessageType.REQUEST,
          serverId: '10.0.0.1',
          requestedIp: '10.0.0.42',
        }),
        A,
      ),
    );
    expect(ack.reply.options.messageType).toBe(DhcpMessageType.ACK);
    expect(ack.reply.yiaddr).toBe('10.0.0.42');
    expect(ack.reply.options.leaseTime).toBe(86400);
    expect(s.leases()).toEqual([{ mac: A, ip: '10.0.0.42', hostname: 'alpha', since: 1000 }]);
    expect(s.stats()).toMatchObject({ discovers: 1, offers: 1, requests: 1, acks: 1, naks: 0 });
  });

  it('hands out the pool lowest first, skipping fixed addresses, and keeps each MAC’s address', () => {
    const s = server();
    s.registerClient(A);
    s.registerClient(B, { ip: '10.0.0.101' }); // inside the pool: not given to anyone else
    s.registerClient(C);
    expect(dora(s, A)).toBe('10.0.0.100');
    expect(dora(s, C)).toBe('10.0.0.102');
    expect(dora(s, B)).toBe('10.0.0.101');
    // Stable: A again (a guest reboot), after a release, after unregister + register.
    expect(dora(s, A)).toBe('10.0.0.100');
    s.handle(msg(A, { messageType: DhcpMessageType.RELEASE }, { ciaddr: '10.0.0.100' }), A);
    expect(s.leases().map((l) => l.mac)).toEqual([C, B]);
    s.unregisterClient(A);
    s.registerClient(A);
    expect(dora(s, A)).toBe('10.0.0.100');
    const D = '00:16:3e:aa:00:04';
    s.registerClient(D);
    expect(dora(s, D)).toBe('10.0.0.103');
  });

  it('takes back a gone guest’s address only when the pool is exhausted', () => {
    const s = new DhcpServer({
      serverIp: '10.0.0.1',
      subnetMask: '255.255.255.0',
      poolFirst: '10.0.0.100',
      poolLast: '10.0.0.101',
    });
    for (const m of [A, B]) s.registerClient(m);
    expect(dora(s, A)).toBe('10.0.0.100');
    expect(dora(s, B)).toBe('10.0.0.101');
    s.registerClient(C);
    expect(s.handle(msg(C, { messageType: DhcpMessageType.DISCOVER }), C)).toMatchObject({
      kind: 'silent',
      reason: 'address pool exhausted',
    });
    s.unregisterClient(A);
    expect(dora(s, C)).toBe('10.0.0.100');
  });

  it('NAKs a REQUEST for an address that is not the client’s, broadcast', () => {
    const s = server();
    s.registerClient(A);
    dora(s, A);
    // INIT-REBOOT with an address from another network.
    const nak = reply(
      s.handle(msg(A, { messageType: DhcpMessageType.REQUEST, requestedIp: '192.168.1.50' }), A),
    );
    expect(nak.reply.options).toEqual({ messageType: DhcpMessageType.NAK, serverId: '10.0.0.1' });
    expect(nak.reply.yiaddr).toBe('0.0.0.0');
    expect(nak.to).toEqual({ ip: '255.255.255.255', mac: 'ff:ff:ff:ff:ff:ff', port: 68 });
    // SELECTING, naming us, but asking for someone else's address.
    s.registerClient(B, { ip: '10.0.0.50' });
    const nak2 = reply(
      s.handle(
        msg(B, {
          messageType: DhcpMessageType.REQUEST,
          serverId: '10.0.0.1',
          requestedIp: '10.0.0.100',
        }),
        B,
      ),
    );
    expect(nak2.reply.options.messageType).toBe(DhcpMessageType.NAK);
    expect(s.stats().naks).toBe(2);
    expect(s.leases().map((l) => l.ip)).toEqual(['10.0.0.100']);
  });

  it('confirms the right address in INIT-REBOOT and RENEWING, unicast to ciaddr when renewing', () => {
    const s = server();
    s.registerClient(A);
    const ip = dora(s, A);
    const reboot = reply(
      s.handle(msg(A, { messageType: DhcpMessageType.REQUEST, requestedIp: ip }), A),
    );
    expect(reboot.reply.options.messageType).toBe(DhcpMessageType.ACK);
    const renew = reply(
      s.handle(msg(A, { messageType: DhcpMessageType.REQUEST }, { ciaddr: ip }), A),
    );
    expect(renew.reply.options.messageType).toBe(DhcpMessageType.ACK);
    expect(renew.reply.ciaddr).toBe(ip);
    expect(renew.to).toEqual({ ip, mac: A, port: 68 });
  });

  it('stays silent when the client chose another server, and on a REQUEST naming nothing', () => {
    const s = server();
    s.registerClient(A);
    const other = s.handle(
      msg(A, {
        messageType: DhcpMessageType.REQUEST,
        serverId: '10.0.0.2',
        requestedIp: '10.0.0.100',
      }),
      A,
    );
    expect(other).toEqual({ kind: 'silent', reason: 'client chose server 10.0.0.2' });
    expect(s.handle(msg(A, { messageType: DhcpMessageType.REQUEST }), A).kind).toBe('silent');
    expect(s.handle(msg(A, {}), A).kind).toBe('silent');
    expect(s.handle(msg(A, { messageType: 1 }, { op: BOOTREPLY }), A).kind).toBe('silent');
    expect(s.stats().unanswered).toBe(3);
    expect(s.leases()).toEqual([]);
  });

  it('ignores every message from an unregistered MAC', () => {
    const s = server();
    s.registerClient(A);
    for (const type of [DhcpMessageType.DISCOVER, DhcpMessageType.REQUEST, DhcpMessageType.INFORM])
      expect(
        s.handle(
          msg(B, { messageType: type, requestedIp: '10.0.0.100' }, { ciaddr: '10.0.0.9' }),
          B,
        ),
      ).toEqual({ kind: 'silent', reason: `unregistered client ${B}` });
    expect(s.stats()).toMatchObject({ ignoredUnregistered: 3, offers: 0, acks: 0, naks: 0 });
    // …and registration is what makes it answer.
    s.registerClient(B);
    expect(dora(s, B)).toBe('10.0.0.100');
  });

  it('chooses reply destinations per RFC 2131 §4.1', () => {
    const s = server();
    s.registerClient(A);
    const discover = (fields: Partial<DhcpMessage>) =>
      reply(s.handle(msg(A, { messageType: DhcpMessageType.DISCOVER }, fields), RELAY)).to;
    expect(discover({ flags: BOOTP_BROADCAST_FLAG })).toEqual({
      ip: '255.255.255.255',
      mac: 'ff:ff:ff:ff:ff:ff',
      port: 68,
    });
    expect(discover({})).toEqual({ ip: '10.0.0.100', mac: A, port: 68 });
    // Relayed: back to the relay agent's server port, at the frame's source MAC.
    expect(discover({ giaddr: '10.0.0.254', flags: BOOTP_BROADCAST_FLAG })).toEqual({
      ip: '10.0.0.254',
      mac: RELAY,
      port: 67,
    });
  });

  it('answers DHCPINFORM with configuration only, to ciaddr', () => {
    const s = server();
    s.registerClient(A, { ip: '10.0.0.42' });
    const ack = reply(
      s.handle(msg(A, { messageType: DhcpMessageType.INFORM }, { ciaddr: '10.0.0.42' }), A),
    );
    expect(ack.reply.yiaddr).toBe('0.0.0.0');
    expect(ack.reply.options.leaseTime).toBeUndefined();
    expect(ack.reply.options.subnetMask).toBe('255.255.255.0');
    expect(ack.to).toEqual({ ip: '10.0.0.42', mac: A, port: 68 });
    expect(s.leases()).toEqual([]);
  });

  it('does not offer an address a client declined again', () => {
    const s = server();
    s.registerClient(A);
    const ip = dora(s, A);
    s.handle(
      msg(A, { messageType: DhcpMessageType.DECLINE, serverId: '10.0.0.1', requestedIp: ip }),
      A,
    );
    expect(s.leases()).toEqual([]);
    expect(dora(s, A)).toBe('10.0.0.101');
  });

  it('keeps `since` across renewals and refuses bad registrations', () => {
    let t = 5;
    const s = server(() => t);
    s.registerClient(A);
    const ip = dora(s, A);
    t = 99;
    reply(s.handle(msg(A, { messageType: DhcpMessageType.REQUEST }, { ciaddr: ip }), A));
    expect(s.leases()[0]?.since).toBe(5);
    expect(() => s.registerClient('00:16:3e:zz:00:01')).toThrow(/MAC/);
    expect(() => s.registerClient(B, { ip: '10.0.0.400' })).toThrow(/IPv4/);
  });
});

function hexId(mac: string): Uint8Array {
  return Uint8Array.from([1, ...mac.split(':').map((p) => parseInt(p, 16))]);
}
