import { delay } from './misc-commands.ts';
import { STATUS_INTERRUPTED, type CommandSpec } from './shell.ts';
import { resolvePath } from '../files/fs-path.ts';

/**
 * Domain-0's network tools, as on a Xen host: brctl (bridge-utils) for
 * xenbr0 and its ports, ip addr / ip neigh for Domain-0's own interface,
 * ping (iputils) from Domain-0, and tcpdump -w to save what crossed the
 * bridge as a pcap file (Wireshark and tshark read it).
 */

const brctl: CommandSpec = {
  name: 'brctl',
  summary: 'the bridge xenbr0: its ports (show) and learned MACs (showmacs)',
  usage: 'brctl show | brctl showmacs xenbr0',
  run: (argv, io, sh) => {
    const net = sh.host.network;
    const [, sub = 'show', name] = argv;
    const bridge = net.bridge;
    if (sub === 'show') {
      const ports = bridge.ports().map((p) => p.name);
      io.stdout.write('bridge name\tbridge id\t\tSTP enabled\tinterfaces\n');
      const id = `8000.${net.dom0.mac.replace(/:/g, '')}`;
      io.stdout.write(`${bridge.name}\t\t${id}\tno\t\t${ports[0] ?? ''}\n`);
      for (const p of ports.slice(1)) io.stdout.write(`\t\t\t\t\t\t\t${p}\n`);
      return Promise.resolve(0);
    }
    if (sub === 'showmacs') {
      if (name !== bridge.name) {
        io.stderr.write(`bridge ${name ?? ''} does not exist\n`);
        return Promise.resolve(1);
      }
      const portNo = new Map(bridge.ports().map((p) => [p.name, p.portNo]));
      io.stdout.write('port no\tmac addr\t\tis local?\tageing timer\tport name\n');
      for (const m of bridge.macTable()) {
        io.stdout.write(
          `${String(portNo.get(m.port) ?? '?').padStart(3)}\t${m.mac}\tno\t\t${m.ageSec.toFixed(2).padStart(6)}\t\t${m.port}\n`,
        );
      }
      return Promise.resolve(0);
    }
    io.stderr.write(`brctl: unknown command ${sub}\nUsage: ${brctl.usage}\n`);
    return Promise.resolve(2);
  },
};

const ip: CommandSpec = {
  name: 'ip',
  summary: "Domain-0's address on xenbr0 (addr) and its ARP cache (neigh)",
  usage: 'ip addr | ip neigh',
  run: (argv, io, sh) => {
    const net = sh.host.network;
    const d = net.dom0;
    const sub = argv[1] ?? 'addr';
    if ('address'.startsWith(sub)) {
      const s = d.stats();
      io.stdout.write(
        `1: ${d.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n` +
          `    link/ether ${d.mac} brd ff:ff:ff:ff:ff:ff\n` +
          `    inet ${d.ip}/${d.prefixLength} scope global ${d.name}\n` +
          `    RX: ${s.bytesIn} bytes ${s.framesIn} packets  TX: ${s.bytesOut} bytes ${s.framesOut} packets\n`,
      );
      if (net.nic) {
        const c = net.nic.counters;
        io.stdout.write(
          `2: ${net.nic.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master ${net.bridge.name} state UP\n` +
            `    link/ether ${net.nic.mac} brd ff:ff:ff:ff:ff:ff\n` +
            `    wire: ${net.nic.wire.description}\n` +
            `    RX: ${c.rxBytes} bytes ${c.rxFrames} packets  TX: ${c.txBytes} bytes ${c.txFrames} packets\n`,
        );
      }
      return Promise.resolve(0);
    }
    if ('neighbour'.startsWith(sub)) {
      for (const e of d.arpTable())
        io.stdout.write(`${e.ip} dev ${d.name} lladdr ${e.mac} REACHABLE\n`);
      return Promise.resolve(0);
    }
    io.stderr.write(`ip: unknown object ${sub}\nUsage: ${ip.usage}\n`);
    return Promise.resolve(2);
  },
};

/** iputils ping: -c COUNT, -W TIMEOUT (s), -s SIZE, -i INTERVAL (s). */
const ping: CommandSpec = {
  name: 'ping',
  summary: 'send ICMP echo requests from Domain-0 (10.0.0.1) to a guest',
  usage: 'ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] ADDRESS',
  async run(argv, io, sh) {
    const opts = { c: 4, i: 1, W: 1, s: 56 };
    let target: string | undefined;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i] ?? '';
      const m = /^-([ciWs])(.*)$/.exec(a);
      if (m) {
        const v = Number(m[2] !== '' ? m[2] : argv[++i]);
        if (!Number.isFinite(v) || v < 0) {
          io.stderr.write(`ping: invalid argument to -${m[1]}\n`);
          return 2;
        }
        opts[m[1] as keyof typeof opts] = v;
      } else target = a;
    }
    if (!target || !/^\d+\.\d+\.\d+\.\d+$/.test(target)) {
      io.stderr.write(`ping: ${target ?? ''}: Name or service not known\nUsage: ${ping.usage}\n`);
      return 2;
    }
    const dom0 = sh.host.network.dom0;
    const start = performance.now();
    io.stdout.write(`PING ${target} (${target}) ${opts.s}(${opts.s + 28}) bytes of data.\n`);
    const rtts: number[] = [];
    let sent = 0;
    for (let seq = 1; seq <= opts.c; seq++) {
      if (seq > 1 && !(await delay(opts.i * 1000, io.signal))) break;
      sent++;
      const r = await dom0.ping(target, { seq, payloadBytes: opts.s, timeoutMs: opts.W * 1000 });
      if (io.signal.aborted) break;
      if (r === 'unreachable') {
        io.stderr.write(`ping: connect: Network is unreachable\n`);
        return 2;
      }
      if (r !== 'timeout') {
        rtts.push(r.rttMs);
        io.stdout.write(
          `${opts.s + 8} bytes from ${target}: icmp_seq=${seq} ttl=${r.ttl} time=${r.rttMs.toFixed(2)} ms\n`,
        );
      }
    }
    const loss = sent === 0 ? 0 : Math.round(((sent - rtts.length) / sent) * 100);
    io.stdout.write(
      `\n--- ${target} ping statistics ---\n${sent} packets transmitted, ${rtts.length} received, ${loss}% packet loss, time ${Math.round(performance.now() - start)}ms\n`,
    );
    if (rtts.length > 0) {
      const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
      io.stdout.write(
        `rtt min/avg/max = ${Math.min(...rtts).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...rtts).toFixed(3)} ms\n`,
      );
    }
    if (io.signal.aborted) return STATUS_INTERRUPTED;
    return rtts.length > 0 ? 0 : 1;
  },
};

const tcpdump: CommandSpec = {
  name: 'tcpdump',
  summary: 'save the frames xenbr0 carried (the newest 1000) as a pcap file',
  usage: 'tcpdump -w FILE',
  async run(argv, io, sh) {
    const i = argv.indexOf('-w');
    const file = i >= 0 ? argv[i + 1] : undefined;
    if (!file) {
      io.stderr.write(`tcpdump: only -w FILE is supported here\nUsage: ${tcpdump.usage}\n`);
      return 2;
    }
    const capture = sh.host.network.capture;
    const path = resolvePath(file, sh.cwd);
    await sh.host.files.writeFile(path, capture.toBytes());
    io.stderr.write(
      `tcpdump: listening on ${sh.host.network.bridge.name}, link-type EN10MB (Ethernet)\n${capture.size} packets captured\n`,
    );
    return 0;
  },
};

export const networkCommands: readonly CommandSpec[] = [brctl, ip, ping, tcpdump];
