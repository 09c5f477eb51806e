/**
 * One entry of `vif = [ ... ]`, per xl-network-configuration(5): comma-
 * separated `key=value` pairs, all optional. Splitting follows xl's
 * parse_nic_config loop (strtok on ',', leading blanks skipped, empty
 * pieces ignored); the rate syntax follows libxlu_vif.c.
 */

export type VifType = 'vif' | 'ioemu';

export interface VifRate {
  /** As written, e.g. `10Mb/s@20ms`. */
  readonly spec: string;
  readonly bytesPerSecond: number;
  /** Credit replenishment interval; 50 ms unless given. */
  readonly intervalUsecs: number;
  /** Credit per interval, bytes/s × interval (libxl's rate_bytes_per_interval). */
  readonly bytesPerInterval: number;
}

export interface VifSpec {
  readonly spec: string;
  /** Index in the vif list unless `devid=` says otherwise. */
  readonly devid: number;
  /** Lower-case `xx:xx:xx:xx:xx:xx`; absent means "generate one in 00:16:3e". */
  readonly mac?: string;
  readonly bridge: string;
  readonly model?: string;
  /** Absent means the default for the domain type (ioemu for HVM, vif for PV). */
  readonly type?: VifType;
  readonly ip?: string;
  readonly vifname?: string;
  readonly rate?: VifRate;
  readonly mtu?: number;
  readonly script?: string;
  readonly backend?: string;
  readonly gatewaydev?: string;
}

export type VifParseResult =
  | { readonly ok: true; readonly vif: VifSpec; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** libxl__device_nic_setdefault: a vif with no bridge joins xenbr0. */
export const DEFAULT_BRIDGE = 'xenbr0';

/** NIC models a device model can emulate; others are passed on with a warning. */
const KNOWN_MODELS = new Set([
  'rtl8139',
  '8139cp',
  'e1000',
  'ne2k_pci',
  'ne2k_isa',
  'pcnet',
  'i82551',
  'i82557b',
  'i82559er',
  'virtio-net-pci',
]);

/** xl accepts these COLO keys; Tabvisor has no COLO. */
const COLO_KEY = /^colo_[a-z0-9_]+$|^forwarddev$/;

/** Parses a MAC written as six 1–2 digit hex groups separated by ':' (or '-'). */
export function parseMac(text: string): string | undefined {
  const m =
    /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/.exec(
      text,
    );
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]]
    .map((g) => (g ?? '').toLowerCase().padStart(2, '0'))
    .join(':');
}

const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}(\/([0-9]|[12][0-9]|3[0-2]))?$/;
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(\/[0-9]{1,3})?$/;

/** The rate grammar of libxlu_vif.c: `^[0-9]+[GMK]?[Bb]/s$` then optional `@^[0-9]+[mu]?s?$`. */
export function parseVifRate(spec: string): VifRate | string {
  const at = spec.indexOf('@');
  const rate = at < 0 ? spec : spec.slice(0, at);
  const interval = at < 0 ? undefined : spec.slice(at + 1);
  if (rate === '') return `no rate specified in '${spec}'`;
  const r = /^([0-9]+)([GMK]?)([Bb])\/s$/.exec(rate);
  if (!r) return `invalid rate '${rate}' (expected e.g. 10Mb/s, 250KB/s or 1MB/s@20ms)`;
  let bytes = Number(r[1]);
  if (bytes === 0 || bytes > 0xffffffff) return `rate overflow in '${rate}'`;
  bytes *= r[2] === 'G' ? 1e9 : r[2] === 'M' ? 1e6 : r[2] === 'K' ? 1e3 : 1;
  if (r[3] === 'b') bytes = Math.floor(bytes / 8);
  let usecs = 50_000;
  if (interval !== undefined) {
    const iv = /^([0-9]+)([mu]?)(s?)$/.exec(interval);
    if (!iv)
      return `invalid replenishment interval '${interval}' (expected e.g. 20ms, 500us or 1s)`;
    const n = Number(iv[1]);
    if (n === 0 || n > 0xffffffff) return `replenishment interval overflow in '${interval}'`;
    usecs = iv[2] === 'm' ? n * 1000 : iv[2] === 'u' ? n : n * 1_000_000;
    if (usecs > 0xffffffff) return `replenishment interval overflow in '${interval}'`;
  }
  return {
    spec,
    bytesPerSecond: bytes,
    intervalUsecs: usecs,
    bytesPerInterval: Math.floor((bytes * usecs) / 1_000_000),
  };
}

/** A decimal `unsigned long` as xl's parse_ulong reads it. */
function parseUlong(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses one vif specification. `index` is its place in the vif list. Never throws. */
export function parseVifSpec(spec: string, index: number): VifParseResult {
  const warnings: string[] = [];
  let mac: string | undefined;
  let bridge = DEFAULT_BRIDGE;
  let model: string | undefined;
  let type: VifType | undefined;
  let ip: string | undefined;
  let vifname: string | undefined;
  let rate: VifRate | undefined;
  let mtu: number | undefined;
  let script: string | undefined;
  let backend: string | undefined;
  let gatewaydev: string | undefined;
  let devid = index;

  for (const raw of spec.split(',')) {
    const token = raw.replace(/^ +/, '');
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      // xl prints "unrecognized argument" and carries on.
      warnings.push(`unrecognized vif argument '${token}'; ignoring it`);
      continue;
    }
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    switch (key) {
      case 'mac': {
        const parsed = parseMac(value);
        if (!parsed) {
          return {
            ok: false,
            error: `invalid mac '${value}' (expected six hex pairs like 00:16:3e:12:34:56)`,
          };
        }
        // Bit 0 of the first octet marks a group address: no NIC can own it.
        if (parseInt(parsed.slice(0, 2), 16) & 1) {
          return { ok: false, error: `mac '${value}' is a multicast address` };
        }
        mac = parsed;
        break;
      }
      case 'bridge':
        bridge = value;
        break;
      case 'model':
        if (!KNOWN_MODELS.has(value)) {
          warnings.push(`unknown NIC model '${value}'; the device model may not support it`);
        }
        model = value;
        break;
      case 'type':
        if (value !== 'vif' && value !== 'ioemu') {
          return { ok: false, error: `invalid type '${value}' (expected vif or ioemu)` };
        }
        type = value;
        break;
      case 'ip':
        // Several addresses may be given, separated by blanks.
        for (const addr of value.split(/\s+/).filter((a) => a !== '')) {
          if (!IPV4.test(addr) && !IPV6.test(addr)) {
            return { ok: false, error: `invalid ip address '${addr}'` };
          }
        }
        ip = value;
        break;
      case 'vifname':
        vifname = value;
        break;
      case 'rate': {
        const r = parseVifRate(value);
        if (typeof r === 'string') return { ok: false, error: r };
        rate = r;
        break;
      }
      case 'mtu': {
        const n = parseUlong(value);
        if (n === undefined || n < 68 || n > 65535) {
          return { ok: false, error: `invalid mtu '${value}' (expected 68 to 65535)` };
        }
        mtu = n;
        break;
      }
      case 'devid': {
        const n = parseUlong(value);
        if (n === undefined || n > 0x7fffffff) {
          return { ok: false, error: `invalid devid '${value}'` };
        }
        devid = n;
        break;
      }
      case 'script':
        script = value;
        break;
      case 'backend':
        backend = value;
        break;
      case 'netdev':
        warnings.push('the netdev parameter is deprecated, please use gatewaydev instead');
        gatewaydev = value;
        break;
      case 'gatewaydev':
        gatewaydev = value;
        break;
      case 'accel':
        warnings.push('the accel parameter for vifs is currently not supported');
        break;
      default:
        if (COLO_KEY.test(key)) {
          warnings.push(`vif option '${key}' (COLO) is not supported; ignoring it`);
        } else {
          // xl prints "unrecognized argument" and carries on.
          warnings.push(`unrecognized vif argument '${token}'; ignoring it`);
        }
    }
  }
  const vif: VifSpec = {
    spec,
    devid,
    ...(mac !== undefined ? { mac } : {}),
    bridge,
    ...(model !== undefined ? { model } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...(vifname !== undefined ? { vifname } : {}),
    ...(rate !== undefined ? { rate } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
    ...(script !== undefined ? { script } : {}),
    ...(backend !== undefined ? { backend } : {}),
    ...(gatewaydev !== undefined ? { gatewaydev } : {}),
  };
  return { ok: true, vif, warnings };
}
