/**
 * One entry of `disk = [ ... ]`, per xl-disk-configuration(5), parsed the
 * way Xen's tools/libs/util/libxlu_disk_l.l does: a flex scanner where the
 * longest matching rule wins (trailing context counts towards the length)
 * and ties go to the earlier rule. That one scanner accepts all three
 * syntaxes:
 *
 *   key=value form   format=raw, vdev=hda, access=rw, target=/dev/vg/x
 *   positional form  /dev/vg/x,raw,hda,rw      ([target,[format,[vdev,[access]]]])
 *   legacy xm form   phy:/dev/sda5,hda,w       file:/path,xvda,w
 */

export type DiskFormat = 'raw' | 'qcow' | 'qcow2' | 'vhd' | 'qed' | 'empty';
export type DiskBackendType = 'phy' | 'tap' | 'qdisk' | 'standalone';

export interface DiskSpec {
  /** The specification as written in the config. */
  readonly spec: string;
  /** Block device or image path; absent for an empty CD-ROM drive. */
  readonly target?: string;
  readonly format: DiskFormat;
  /** Virtual device as the guest sees it (xen-vbd-interface(7)): xvda, hdc, sdb1, 51712… */
  readonly vdev: string;
  /** The xenstore device number of `vdev` (device/vbd/<devid>). */
  readonly devid: number;
  readonly access: 'rw' | 'ro';
  readonly devtype: 'disk' | 'cdrom';
  readonly backend?: string;
  readonly backendtype?: DiskBackendType;
  readonly specification?: 'xen' | 'virtio';
  readonly script?: string;
  /** Deprecated xm prefixes as written, outermost first: `phy`, `file`, `tap`, `aio`… */
  readonly legacyPrefixes?: readonly string[];
  readonly directIoSafe?: boolean;
  readonly discard?: boolean;
  readonly trusted?: boolean;
}

export type DiskParseResult =
  | { readonly ok: true; readonly disk: DiskSpec; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

interface Rule {
  readonly re: RegExp;
  /** Flex trailing context (`r/s`): counts for the longest match, is not consumed. */
  readonly trail?: RegExp;
  readonly action: (text: string) => void;
}

/** Thrown inside the scanner only; turned into a result before leaving this module. */
class DiskSyntaxError {
  constructor(readonly message: string) {}
}

/** Scanner state: libxl_device_disk fields plus DiskParseContext's flags. */
interface DiskState {
  target?: string;
  format?: DiskFormat;
  vdev?: string;
  readwrite: boolean;
  accessSet: boolean;
  isCdrom: boolean;
  hadDeprPrefix: boolean;
  prefixes: string[];
  backend?: string;
  backendtype?: DiskBackendType;
  specification?: 'xen' | 'virtio';
  script?: string;
  directIoSafe?: boolean;
  discard?: boolean;
  trusted?: boolean;
}

const FORMATS: Readonly<Record<string, DiskFormat>> = {
  '': 'raw',
  raw: 'raw',
  qcow: 'qcow',
  qcow2: 'qcow2',
  vhd: 'vhd',
  empty: 'empty',
  qed: 'qed',
};

const BACKEND_TYPES = new Set<string>(['phy', 'tap', 'qdisk', 'standalone']);

/** Chops one trailing ',' (the STRIP macro). */
const strip = (s: string): string => (s.endsWith(',') ? s.slice(0, -1) : s);
/** The value after the first '=' (the FROMEQUALS macro). */
const fromEquals = (s: string): string => s.slice(s.indexOf('=') + 1);

function scan(spec: string, warnings: string[]): DiskState {
  const d: DiskState = {
    readwrite: true,
    accessSet: false,
    isCdrom: false,
    hadDeprPrefix: false,
    prefixes: [],
  };
  const err = (near: string, message: string): never => {
    throw new DiskSyntaxError(near === '' ? message : `${message} near '${near}'`);
  };
  const saveString = <K extends 'target' | 'vdev' | 'backend' | 'script'>(
    what: string,
    key: K,
    value: string,
  ): void => {
    const current = d[key];
    // Overwriting an empty string is not a respecification (savestring()).
    if (current !== undefined && current !== '') err(value, `${what} respecified`);
    d[key] = value;
  };
  const setFormat = (s: string): void => {
    const f = FORMATS[s];
    if (f === undefined) err(s, 'unknown value for format');
    else if (d.format !== undefined && d.format !== f) err(s, 'format respecified');
    else d.format = f;
  };
  const setAccess = (s: string): void => {
    if (s === 'r' || s === 'ro') d.readwrite = false;
    else if (s === 'rw' || s === 'w' || s === '') d.readwrite = true;
    else err(s, 'unknown value for access');
  };
  /** A positional `vdev:devtype` (deprecated); true if it was one. */
  const vdevAndDevtype = (s: string): boolean => {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return false;
    saveString('vdev', 'vdev', s.slice(0, colon));
    const type = s.slice(colon + 1);
    if (type === 'cdrom') d.isCdrom = true;
    else if (type === 'disk') d.isCdrom = false;
    else err(type, 'unknown deprecated type');
    return true;
  };
  const ignored = (what: string) => (text: string) => {
    warnings.push(`disk option '${strip(text)}' (${what}) is not supported; ignoring it`);
  };

  const REST = /[^\n]*/y;
  const rules: Rule[] = [
    // Whitespace before a parameter is ignored.
    { re: /[ \t\n]+/y, trail: /(?:[^ \t\n][^\n]*)?/y, action: () => {} },
    { re: /format=[^,]*,?/y, action: (t) => setFormat(fromEquals(strip(t))) },
    { re: /cdrom,?/y, action: () => (d.isCdrom = true) },
    { re: /devtype=cdrom,?/y, action: () => (d.isCdrom = true) },
    { re: /devtype=disk,?/y, action: () => (d.isCdrom = false) },
    { re: /devtype=[^,]*,?/y, action: (t) => err(strip(t), 'unknown value for devtype') },
    { re: /access=[^,]*,?/y, action: (t) => setAccess(fromEquals(strip(t))) },
    {
      re: /backend=[^,]*,?/y,
      action: (t) => saveString('backend', 'backend', fromEquals(strip(t))),
    },
    {
      re: /backendtype=[^,]*,?/y,
      action: (t) => {
        const v = fromEquals(strip(t));
        if (!BACKEND_TYPES.has(v)) err(v, 'unknown value for backendtype');
        else if (d.backendtype !== undefined && d.backendtype !== v)
          err(v, 'backendtype respecified');
        else d.backendtype = v as DiskBackendType;
      },
    },
    {
      re: /specification=[^,]*,?/y,
      action: (t) => {
        const v = fromEquals(strip(t));
        if (v !== 'xen' && v !== 'virtio') err(v, 'unknown value for specification');
        else if (d.specification !== undefined && d.specification !== v) {
          err(v, 'specification respecified');
        } else d.specification = v;
      },
    },
    { re: /vdev=[^,]*,?/y, action: (t) => saveString('vdev', 'vdev', fromEquals(strip(t))) },
    { re: /script=[^,]*,?/y, action: (t) => saveString('script', 'script', fromEquals(strip(t))) },
    { re: /direct-io-safe,?/y, action: () => (d.directIoSafe = true) },
    { re: /discard,?/y, action: () => (d.discard = true) },
    { re: /no-discard,?/y, action: () => (d.discard = false) },
    { re: /colo,?/y, action: ignored('COLO replication') },
    { re: /no-colo,?/y, action: () => {} },
    {
      re: /(?:colo-host|colo-port|colo-export|active-disk|hidden-disk)=[^,]*,?/y,
      action: ignored('COLO replication'),
    },
    { re: /trusted,?/y, action: () => (d.trusted = true) },
    { re: /untrusted,?/y, action: () => (d.trusted = false) },
    { re: /grant_usage=1,?/y, action: ignored('grant usage') },
    { re: /grant_usage=0,?/y, action: ignored('grant usage') },
    // The target= parameter eats the rest of the string, commas included.
    {
      re: /target=[^\n]*/y,
      action: (t) => saveString('target', 'target', fromEquals(strip(t))),
    },
    // Unknown key=value parameters. (xl's pattern takes one value character.)
    { re: /[a-z][-a-z0-9]*=[^,]*,?/y, action: (t) => err(strip(t), 'unknown parameter') },
    // Deprecated prefixes. The trailing context makes them win over a positional parameter.
    {
      re: /(?:raw|qcow2?|vhd):/y,
      trail: REST,
      action: (t) => {
        d.hadDeprPrefix = true;
        d.prefixes.push(t.slice(0, -1));
        setFormat(t.slice(0, -1));
      },
    },
    {
      re: /(?:iscsi|e?nbd|drbd):/y,
      trail: REST,
      action: (t) => {
        d.hadDeprPrefix = true;
        d.prefixes.push(t.slice(0, -1));
        saveString('script', 'script', `block-${t.slice(0, -1)}`);
      },
    },
    ...['tapdisk:', 'tap2?:', 'aio:', 'ioemu:', 'file:', 'phy:'].map((p): Rule => ({
      re: new RegExp(p, 'y'),
      trail: REST,
      action: (t) => {
        d.hadDeprPrefix = true;
        d.prefixes.push(t.slice(0, -1));
      },
    })),
    {
      re: /[a-z][a-z0-9]*:/y,
      trail: /(?:[^a-z0-9][^\n]*)?/y,
      action: (t) => err(t, 'unknown deprecated disk prefix'),
    },
    // Positional parameters: target, format, vdev, access, in that order.
    {
      re: /[^=,]*,|[^=,]+,?/y,
      action: (t) => {
        const s = strip(t);
        if (d.target === undefined) {
          saveString('target', 'target', s);
        } else if (!d.hadDeprPrefix && d.format === undefined) {
          if (d.target === '' && vdevAndDevtype(s)) d.format = 'empty';
          else setFormat(s);
        } else if (d.vdev === undefined) {
          if (!vdevAndDevtype(s)) saveString('vdev', 'vdev', s);
        } else if (!d.accessSet) {
          d.accessSet = true;
          setAccess(s);
        } else {
          err(s, 'too many positional parameters');
        }
      },
    },
  ];

  let pos = 0;
  while (pos < spec.length) {
    let best: Rule | undefined;
    let bestText = '';
    let bestLen = 0;
    for (const rule of rules) {
      rule.re.lastIndex = pos;
      const m = rule.re.exec(spec);
      if (!m) continue;
      let total = m[0].length;
      if (rule.trail) {
        rule.trail.lastIndex = pos + m[0].length;
        total += rule.trail.exec(spec)?.[0].length ?? 0;
      }
      if (total > bestLen) {
        best = rule;
        bestLen = total;
        bestText = m[0];
      }
    }
    if (!best || bestText.length === 0) {
      err(spec.slice(pos), 'bad disk syntax');
      break;
    }
    best.action(bestText);
    pos += bestText.length;
  }
  return d;
}

/**
 * The device number of a virtual disk name, per xen-vbd-interface(7)
 * (libxl__device_disk_dev_number): xvd → major 202 or the extended
 * 1<<28 form, hd → majors 3/22, sd → major 8, or a plain number.
 */
export function vdevToDevid(vdev: string): number | undefined {
  if (/^(0|[1-9][0-9]{0,9})$/.test(vdev)) {
    const n = Number(vdev);
    return n <= 0x7fffffff ? n : undefined;
  }
  const m = /^(xvd|hd|sd)([a-z]+)([1-9][0-9]*)?$/.exec(vdev) ?? /^(d)([0-9]+)p([0-9]+)$/.exec(vdev);
  if (!m) return undefined;
  const [, kind, diskText = '', partText] = m;
  const part = partText === undefined ? 0 : Number(partText);
  let disk = 0;
  if (kind === 'd') {
    disk = Number(diskText);
  } else {
    // Bijective base 26: a=0 … z=25, aa=26 …
    for (const ch of diskText) {
      disk = disk * 26 + (ch.charCodeAt(0) - 96);
      if (disk > 1 << 20) return undefined;
    }
    disk -= 1;
  }
  switch (kind) {
    case 'xvd':
    case 'd':
      if (kind === 'xvd' && disk < 16 && part < 16) return (202 << 8) | (disk << 4) | part;
      if (disk < 1 << 20 && part < 256) return ((1 << 28) | (disk << 8) | part) >>> 0;
      return undefined;
    case 'hd':
      if (disk > 3 || part > 63) return undefined;
      return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
    case 'sd':
      if (disk > 15 || part > 15) return undefined;
      return (8 << 8) | (disk << 4) | part;
    default:
      return undefined;
  }
}

/** Parses one disk specification string. Never throws. */
export function parseDiskSpec(spec: string): DiskParseResult {
  const warnings: string[] = [];
  let d: DiskState;
  try {
    d = scan(spec, warnings);
  } catch (e) {
    if (e instanceof DiskSyntaxError) return { ok: false, error: e.message };
    throw e;
  }
  // Defaults and checks of xlu_disk_parse() (libxlu_disk.c).
  let format: DiskFormat = d.format ?? 'raw';
  let readwrite = d.readwrite;
  if (d.isCdrom) {
    readwrite = false;
    if (d.target === undefined || d.target === '') format = 'empty';
  }
  if (d.vdev === undefined || d.vdev === '') return { ok: false, error: 'no vdev specified' };
  if ((d.target === undefined || d.target === '') && !d.isCdrom) {
    return { ok: false, error: 'no target specified (and device not removable)' };
  }
  const devid = vdevToDevid(d.vdev);
  if (devid === undefined) {
    return {
      ok: false,
      error: `invalid virtual device '${d.vdev}' (expected xvdX, hdX, sdX with an optional partition number, or a device number)`,
    };
  }
  const disk: DiskSpec = {
    spec,
    ...(d.target !== undefined && d.target !== '' ? { target: d.target } : {}),
    format,
    vdev: d.vdev,
    devid,
    access: readwrite ? 'rw' : 'ro',
    devtype: d.isCdrom ? 'cdrom' : 'disk',
    ...(d.backend !== undefined && d.backend !== '' ? { backend: d.backend } : {}),
    ...(d.backendtype !== undefined ? { backendtype: d.backendtype } : {}),
    ...(d.specification !== undefined ? { specification: d.specification } : {}),
    ...(d.script !== undefined && d.script !== '' ? { script: d.script } : {}),
    ...(d.prefixes.length > 0 ? { legacyPrefixes: d.prefixes } : {}),
    ...(d.directIoSafe !== undefined ? { directIoSafe: d.directIoSafe } : {}),
    ...(d.discard !== undefined ? { discard: d.discard } : {}),
    ...(d.trusted !== undefined ? { trusted: d.trusted } : {}),
  };
  return { ok: true, disk, warnings };
}
