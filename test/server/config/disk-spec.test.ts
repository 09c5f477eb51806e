import { describe, expect, it } from 'vitest';
import { parseDiskSpec, vdevToDevid, type DiskSpec } from '../../../src/server/config/disk-spec.ts';

function disk(spec: string): DiskSpec {
  const r = parseDiskSpec(spec);
  if (!r.ok) throw new Error(`${spec}: ${r.error}`);
  return r.disk;
}

function diskError(spec: string): string {
  const r = parseDiskSpec(spec);
  if (r.ok) throw new Error(`expected ${spec} to be rejected`);
  return r.error;
}

/** The fields that say what the guest gets, without the echo of the spec. */
function meaning(d: DiskSpec): Partial<DiskSpec> {
  const { spec: _spec, legacyPrefixes: _prefixes, ...rest } = d;
  return rest;
}

describe('disk specification (xl-disk-configuration(5))', () => {
  // The man page's first set of equivalent strings.
  it.each([
    '/dev/vg/guest-volume,,hda',
    '/dev/vg/guest-volume,raw,hda,rw',
    'format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume',
    'raw:/dev/vg/guest-volume,hda,w',
  ])('reads %j as the raw read-write disk hda', (spec) => {
    expect(meaning(disk(spec))).toEqual({
      target: '/dev/vg/guest-volume',
      format: 'raw',
      vdev: 'hda',
      devid: 768,
      access: 'rw',
      devtype: 'disk',
    });
  });

  // The man page's second set: a CD-ROM image.
  it.each([
    '/root/image.iso,,hdc,cdrom',
    '/root/image.iso,,hdc,,cdrom',
    '/root/image.iso,raw,hdc,devtype=cdrom',
    'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso',
    'raw:/root/image.iso,hdc:cdrom,ro',
  ])('reads %j as the read-only CD-ROM hdc', (spec) => {
    expect(meaning(disk(spec))).toEqual({
      target: '/root/image.iso',
      format: 'raw',
      vdev: 'hdc',
      devid: 5632,
      access: 'ro',
      devtype: 'cdrom',
    });
  });

  it.each([
    ['phy:/dev/sda5,hda,w', '/dev/sda5', 'hda', 'rw', ['phy']],
    ['file:/path,xvda,w', '/path', 'xvda', 'rw', ['file']],
    ['phy:hda1,hda1,w', 'hda1', 'hda1', 'rw', ['phy']],
    ['file:/srv/img.raw,xvdb,r', '/srv/img.raw', 'xvdb', 'ro', ['file']],
    ['tap:aio:/srv/img.raw,xvdc,w', '/srv/img.raw', 'xvdc', 'rw', ['tap', 'aio']],
    ['tapdisk:/srv/x,xvdd,w', '/srv/x', 'xvdd', 'rw', ['tapdisk']],
  ])('reads the legacy xm form %j', (spec, target, vdev, access, prefixes) => {
    const d = disk(spec);
    expect(d).toMatchObject({ target, vdev, access, devtype: 'disk', format: 'raw' });
    expect(d.legacyPrefixes).toEqual(prefixes);
  });

  it('reads the xend empty CD-ROM form ,hdc:cdrom,r', () => {
    expect(meaning(disk(',hdc:cdrom,r'))).toEqual({
      format: 'empty',
      vdev: 'hdc',
      devid: 5632,
      access: 'ro',
      devtype: 'cdrom',
    });
  });

  it('takes format prefixes and script prefixes', () => {
    expect(disk('qcow2:/img.qcow2,xvdb,r')).toMatchObject({ format: 'qcow2', access: 'ro' });
    expect(disk('vhd:/img.vhd,xvdb,w')).toMatchObject({ format: 'vhd' });
    expect(disk('nbd:host:1234,xvda,w')).toMatchObject({
      script: 'block-nbd',
      target: 'host:1234',
    });
    expect(disk('iscsi:iqn.x,xvda,w')).toMatchObject({ script: 'block-iscsi' });
  });

  it('lets target= take the rest of the string, commas included', () => {
    expect(disk('vdev=xvda, access=r, target=/srv/a,b c,')).toMatchObject({
      target: '/srv/a,b c',
      vdev: 'xvda',
      access: 'ro',
    });
  });

  it('applies defaults: raw format, read-write; CD-ROMs are read-only', () => {
    expect(disk('/img,,xvda')).toMatchObject({ format: 'raw', access: 'rw' });
    expect(disk('/img,,hdc,rw,cdrom')).toMatchObject({ access: 'ro', devtype: 'cdrom' });
    expect(disk('vdev=hdc, devtype=cdrom')).toMatchObject({ format: 'empty', devtype: 'cdrom' });
    expect(disk('vdev=hdc, devtype=cdrom').target).toBeUndefined();
  });

  it('reads flags and named options', () => {
    expect(
      disk('/img,raw,xvda,rw,backendtype=qdisk,backend=drv,script=s,direct-io-safe,no-discard'),
    ).toMatchObject({
      backendtype: 'qdisk',
      backend: 'drv',
      script: 's',
      directIoSafe: true,
      discard: false,
    });
    expect(disk('discard, /img,,xvda')).toMatchObject({ discard: true, target: '/img' });
    expect(disk('specification=virtio,/img,,xvda')).toMatchObject({ specification: 'virtio' });
  });

  it('warns about and ignores COLO options', () => {
    const r = parseDiskSpec('/img,,xvda,colo,colo-host=h');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings).toHaveLength(2);
  });

  it.each([
    ['/img,raw', 'no vdev specified'],
    ['vdev=xvda', 'no target specified'],
    ['/img,raw,xvda,rw,extra', 'too many positional parameters'],
    ['format=vmdk,vdev=xvda,target=/x', 'unknown value for format'],
    ['/img,vmdk,xvda', 'unknown value for format'],
    ['color=blue,vdev=xvda,target=/x', 'unknown parameter'],
    ['bogus:/x,xvda', 'unknown deprecated disk prefix'],
    ['/img,raw,xvda,rx', 'unknown value for access'],
    ['vdev=xvda, vdev=xvdb, target=/x', 'vdev respecified'],
    ['/img,,floppy', "invalid virtual device 'floppy'"],
    ['/img,,hde', "invalid virtual device 'hde'"],
    ['devtype=tape,/img,,xvda', 'unknown value for devtype'],
    ['backendtype=nfs,/img,,xvda', 'unknown value for backendtype'],
    ['/img,,xvda:floppy', 'unknown deprecated type'],
    ['/a=b,,xvda', 'bad disk syntax'],
  ])('rejects %j: %s', (spec, message) => {
    expect(diskError(spec)).toContain(message);
  });

  it.each([
    ['xvda', 51712],
    ['xvdb', 51728],
    ['xvda1', 51713],
    ['xvdp15', (202 << 8) | (15 << 4) | 15],
    ['xvdq', (1 << 28) | (16 << 8)],
    ['xvdaa', (1 << 28) | (26 << 8)],
    ['d3p2', (1 << 28) | (3 << 8) | 2],
    ['hda', 768],
    ['hdb', 832],
    ['hdc', 5632],
    ['hdd', 5696],
    ['hda63', 768 + 63],
    ['sda', 2048],
    ['sdb1', 2065],
    ['51712', 51712],
  ])('numbers vdev %s as %i (xen-vbd-interface(7))', (vdev, devid) => {
    expect(vdevToDevid(vdev)).toBe(devid);
  });

  it.each(['hde', 'hda64', 'sdq', 'xvd', 'xvdA', 'xvda0', 'vda', '', 'd1', '99999999999'])(
    'refuses vdev %j',
    (vdev) => {
      expect(vdevToDevid(vdev)).toBeUndefined();
    },
  );
});
