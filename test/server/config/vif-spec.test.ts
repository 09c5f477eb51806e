import { describe, expect, it } from 'vitest';
import {
  parseMac,
  parseVifRate,
  parseVifSpec,
  type VifSpec,
} from '../../../src/server/config/vif-spec.ts';

function vif(spec: string, index = 0): VifSpec {
  const r = parseVifSpec(spec, index);
  if (!r.ok) throw new Error(`${spec}: ${r.error}`);
  return r.vif;
}

describe('vif specification (xl-network-configuration(5))', () => {
  it('gives the empty spec the defaults: devid = list index, bridge xenbr0', () => {
    expect(vif('', 2)).toEqual({ spec: '', devid: 2, bridge: 'xenbr0' });
  });

  it('reads the man page example', () => {
    expect(vif('mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0')).toMatchObject({
      mac: '00:16:3e:74:3d:76',
      model: 'rtl8139',
      bridge: 'xenbr0',
    });
  });

  it('skips blanks after commas, as xl does', () => {
    expect(vif('mac=00:16:3e:00:00:11, bridge=xenbr1,  ip=10.0.0.2')).toMatchObject({
      mac: '00:16:3e:00:00:11',
      bridge: 'xenbr1',
      ip: '10.0.0.2',
    });
  });

  it('reads every key', () => {
    expect(
      vif(
        'type=ioemu,model=e1000,vifname=web0,mtu=9000,devid=5,script=vif-route,backend=drv,gatewaydev=eth0,ip=10.0.0.2 10.0.0.3',
      ),
    ).toMatchObject({
      type: 'ioemu',
      model: 'e1000',
      vifname: 'web0',
      mtu: 9000,
      devid: 5,
      script: 'vif-route',
      backend: 'drv',
      gatewaydev: 'eth0',
      ip: '10.0.0.2 10.0.0.3',
    });
  });

  it.each([
    ['10Mb/s', 1_250_000, 50_000, 62_500],
    ['250KB/s', 250_000, 50_000, 12_500],
    // "1MB/s@20ms ... a credit of 20,000 bytes replenished every 20,000 us"
    ['1MB/s@20ms', 1_000_000, 20_000, 20_000],
    ['8b/s@2s', 1, 2_000_000, 2],
    ['1GB/s@500us', 1e9, 500, 500_000],
  ])('reads rate=%s', (spec, bytesPerSecond, intervalUsecs, bytesPerInterval) => {
    expect(parseVifRate(spec)).toEqual({ spec, bytesPerSecond, intervalUsecs, bytesPerInterval });
  });

  it.each(['', '10Mb', 'fast', '0MB/s', '1MB/s@', '1MB/s@20min', '1MB/s@0ms', '1TB/s'])(
    'rejects rate %j',
    (spec) => {
      expect(typeof parseVifRate(spec)).toBe('string');
    },
  );

  it.each([
    ['00:16:3e:0a:0b:0c', '00:16:3e:0a:0b:0c'],
    ['00:16:3E:A:B:C', '00:16:3e:0a:0b:0c'],
    ['00-16-3e-0a-0b-0c', '00:16:3e:0a:0b:0c'],
  ])('normalises mac %s', (text, mac) => {
    expect(parseMac(text)).toBe(mac);
  });

  it.each([
    '00:16:3e:0a:0b',
    '00:16:3e:0a:0b:0c:0d',
    '00:16:3e:0a:0b:0g',
    '0016.3e0a.0b0c',
    '00:16-3e:0a:0b:0c',
    '000:16:3e:0a:0b:0c',
  ])('refuses mac %j', (text) => {
    expect(parseMac(text)).toBeUndefined();
  });

  it.each([
    ['mac=00:16:3e:xx:00:01', 'invalid mac'],
    ['mac=01:00:5e:00:00:01', 'multicast'],
    ['type=tap', 'invalid type'],
    ['mtu=abc', 'invalid mtu'],
    ['mtu=20', 'invalid mtu'],
    ['rate=fast', 'invalid rate'],
    ['ip=300.1.1.1', 'invalid ip address'],
    ['devid=-1', 'invalid devid'],
  ])('rejects %j', (spec, message) => {
    const r = parseVifSpec(spec, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  it('warns about what xl would not recognise, and carries on', () => {
    const r = parseVifSpec('bridge=br1,colour=red,trusted,model=virtio9000,accel=x', 0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.vif.bridge).toBe('br1');
    expect(r.warnings).toHaveLength(4);
    expect(r.warnings.join('\n')).toMatch(/colour=red[\s\S]*trusted[\s\S]*virtio9000[\s\S]*accel/);
  });
});
