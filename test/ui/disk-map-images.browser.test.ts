import * as Comlink from 'comlink';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DiskMap } from '../../src/ui/disk-map';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import { bootedClient, mount, until } from './helpers/booted-client';

const MiB = 1024 * 1024;

/** A recognisable image: byte i of sector s is (s * 7 + i) & 0xff, and a tag up front. */
function pattern(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = ((i >> 9) * 7 + i + seed) & 0xff;
  b.set(new TextEncoder().encode(`tabvisor image ${seed}`), 0);
  return b;
}

async function exported(client: VmServerClient, n: number): Promise<Uint8Array> {
  const out = await client.api.exportPartition(n);
  return new Uint8Array(await new Response(out.stream).arrayBuffer());
}

describe('<disk-map>: raw images of partitions', () => {
  let client: VmServerClient | null = null;
  afterAll(() => client?.dispose());
  afterEach(() => vi.restoreAllMocks());

  it('exports a partition as a downloaded .img, and imports one, refusing a too-large file', async () => {
    client = await bootedClient();
    const c = client;
    const { number } = await c.api.createPartition('xfer', MiB);
    const written = pattern(MiB, 1);
    const copy = written.slice();
    await c.api.importPartition(number, Comlink.transfer(copy, [copy.buffer]));

    const map = mount(new DiskMap(), 1000, 700);
    map.client = c;
    const row = (): HTMLElement | null | undefined =>
      map.shadowRoot?.querySelector<HTMLElement>(`li[data-partition="${number}"]`);
    await until(() => !!row(), 'the new partition’s row');

    // Intercept the download: the Blob behind the object URL, and the anchor's click.
    const blobs = new Map<string, Blob>();
    const realCreate = URL.createObjectURL.bind(URL);
    vi.spyOn(URL, 'createObjectURL').mockImplementation((o: Blob | MediaSource) => {
      const url = realCreate(o);
      if (o instanceof Blob) blobs.set(url, o);
      return url;
    });
    const clicked: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push({ href: this.href, download: this.download });
    });

    const exportButton = row()?.querySelector<HTMLButtonElement>('button.export');
    expect(exportButton?.getAttribute('aria-label')).toBe(
      `Export /dev/sda${number} as a raw image`,
    );
    // Keyboard: the button takes focus and Enter/Space activate it as any <button> does.
    exportButton?.focus();
    expect(map.shadowRoot?.activeElement).toBe(exportButton);
    exportButton?.click();
    await until(() => clicked.length === 1, 'the download');
    expect(clicked[0]?.download).toBe('xfer.img');
    const blob = blobs.get(clicked[0]?.href ?? '');
    expect(blob?.size).toBe(MiB);
    const bytes = new Uint8Array(await (blob as Blob).arrayBuffer());
    expect(bytes.length).toBe(written.length);
    expect(bytes.every((v, i) => v === written[i])).toBe(true);

    // Too large by one sector: refused with a clear error, the partition untouched.
    const input = row()?.querySelector<HTMLInputElement>('input[type=file]') as HTMLInputElement;
    const give = (file: File): void => {
      const dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
      input.dispatchEvent(new Event('change'));
    };
    give(new File([pattern(MiB + 512, 2)], 'big.img'));
    const alert = (): string =>
      map.shadowRoot?.querySelector('[role=alert]')?.textContent?.replace(/\s+/g, ' ') ?? '';
    await until(() => alert() !== '', 'the error');
    expect(alert()).toMatch(
      new RegExp(
        `Import of big\\.img into /dev/sda${number} failed: the image is .*1,049,088 bytes.*bigger than the 1 MiB partition\\. Nothing was written\\.`,
      ),
    );
    const after = await exported(c, number);
    expect(after.every((v, i) => v === written[i])).toBe(true);

    // A fitting image goes in through the same input.
    const next = pattern(MiB / 2, 3);
    give(new File([next], 'half.img'));
    const status = (): string => map.shadowRoot?.querySelector('[role=status]')?.textContent ?? '';
    await until(() => status().includes('Imported half.img'), 'the import');
    expect(alert()).toBe('');
    const now = await exported(c, number);
    expect(now.subarray(0, next.length).every((v, i) => v === next[i])).toBe(true);
    expect(now.subarray(next.length).every((v, i) => v === written[next.length + i])).toBe(true);
    map.remove();
  });
});
