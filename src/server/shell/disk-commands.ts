import type { ImagePiece } from '../storage/disk-image.ts';
import { formatBytes } from '../storage/gpt.ts';
import type { PartitionInfo } from '../storage/host-disk.ts';
import { HOST_DISK_DEVICE } from '../storage/host-disk.ts';
import type { Dom0Shell } from './shell.ts';
import type { CommandIo } from './shell-io.ts';

/**
 * `disk …`: the host disk as the VM server's administrator manages it —
 * its GPT partitions (list, create, delete, with the domain each belongs
 * to) and raw images of them (export to / import from a host file). Guest
 * disks are these partitions (`phy:/dev/sdaN`) or image files in the tree.
 */

export const DISK_SUMMARY =
  'host disk partitions and image files: list, create, delete, export, import';

const USAGE = `Usage: disk list
       disk create NAME SIZE      (SIZE in bytes or with K, M, G, T: 20G)
       disk delete PART           (PART: number, /dev/sdaN or name)
       disk export PART FILE      (PART may be ${HOST_DISK_DEVICE}: the whole disk)
       disk import PART FILE
       disk image create PATH SIZE  (an image file for a file: disk, SIZE a multiple of 512)
       disk image delete PATH
`;

class DiskUsageError extends Error {}

/** "20G", "512M", "1.5GiB", "4096": binary units, as lvcreate and sgdisk take them. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(?:([KMGT])(?:i?B)?|B)?$/i.exec(text);
  if (!m) return null;
  const shift = { '': 0, K: 10, M: 20, G: 30, T: 40 }[(m[2] ?? '').toUpperCase() as 'K'] ?? 0;
  const n = Number(m[1]) * 2 ** shift;
  return Number.isSafeInteger(n) ? n : null;
}

/** A whole number of GiB/MiB written plainly ("20 GiB"), else formatBytes. */
export function sizeText(n: number): string {
  for (const [unit, size] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return formatBytes(n);
}

/** Image files are raw disk images in the tree; these suffixes mark them in `disk list`. */
const IMAGE_SUFFIX = /\.(img|raw)$/i;

/** Every image file in the VM server's tree, by a walk from the root. */
async function imageFiles(sh: Dom0Shell): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await sh.host.files.readdir(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const path = `${dir === '/' ? '' : dir}/${e.name}`;
      if (e.kind === 'dir') await walk(path);
      else if (IMAGE_SUFFIX.test(e.name)) out.push({ path, size: e.size });
    }
  };
  await walk('/');
  return out;
}

/** Which domain has image file `path` open as a disk, if any. */
function imageUser(sh: Dom0Shell, path: string): number | null {
  const storage = sh.host.storage;
  for (const domid of new Set(storage.vbds().map((v) => v.domid)))
    if (storage.guestDisksOf(domid).some((d) => d.backingName === `file:${path}`)) return domid;
  return null;
}

async function image(sh: Dom0Shell, io: CommandIo, args: readonly string[]): Promise<void> {
  const [op, ...rest] = args;
  const want = (n: number): void => {
    if (rest.length !== n)
      throw new DiskUsageError(`disk image ${op ?? ''}: wrong number of arguments`);
  };
  switch (op) {
    case 'create': {
      want(2);
      const [pathArg, sizeArg] = rest as [string, string];
      const size = parseSize(sizeArg);
      if (size === null || size <= 0) throw new Error(`invalid size '${sizeArg}' (e.g. 64M)`);
      const path = sh.resolve(pathArg);
      await sh.host.storage.createImageFile(path, size);
      sh.host.log.dom0(`image file: created ${path} (${sizeText(size)})`);
      io.stdout.write(`Created image file ${path}: ${sizeText(size)}\n`);
      return;
    }
    case 'delete':
    case 'rm': {
      want(1);
      const path = sh.resolve(rest[0] as string);
      const st = await sh.host.files.stat(path);
      if (!st) throw new Error(`${path}: no such image file`);
      if (st.kind !== 'file') throw new Error(`${path}: not a file`);
      const user = imageUser(sh, path);
      if (user !== null) throw new Error(`${path} is in use by domain ${user}`);
      await sh.host.files.remove(path);
      sh.host.log.dom0(`image file: deleted ${path}`);
      io.stdout.write(`Deleted image file ${path} (${sizeText(st.size)} freed)\n`);
      return;
    }
    default:
      throw new DiskUsageError(
        op === undefined
          ? 'disk image: missing subcommand'
          : `disk image: unknown subcommand '${op}'`,
      );
  }
}

function partitionArg(sh: Dom0Shell, arg: string): PartitionInfo {
  const parts = sh.host.storage.hostDisk.partitions();
  const m = /^(?:\/dev\/sda)?(\d+)$/.exec(arg);
  const found = m
    ? parts.find((p) => p.number === Number(m[1]))
    : parts.find((p) => p.name === arg);
  if (!found)
    throw new Error(
      `${arg}: no such partition (have: ${parts.map((p) => `${p.number} ${p.name}`).join(', ') || 'none'})`,
    );
  return found;
}

async function list(sh: Dom0Shell, io: CommandIo): Promise<void> {
  const disk = sh.host.storage.hostDisk;
  const owners = await sh.host.toolstack.partitionOwners();
  let out = `Disk ${HOST_DISK_DEVICE}: ${sizeText(disk.sizeBytes)}, ${disk.sectors} sectors, on ${disk.description}\n`;
  out += `${'Number'.padStart(6)}  ${'Name'.padEnd(20)} ${'Start LBA'.padStart(12)} ${'Size'.padStart(10)} ${'Used'.padStart(10)}  Owner\n`;
  for (const p of disk.partitions()) {
    const o = owners.get(p.number);
    const owner = o ? (o.domid !== null ? `${o.name} (domain ${o.domid})` : o.name) : '-';
    out += `${String(p.number).padStart(6)}  ${p.name.padEnd(20)} ${String(p.firstLba).padStart(12)} ${sizeText(p.sizeBytes).padStart(10)} ${formatBytes(p.allocatedBytes).padStart(10)}  ${owner}\n`;
  }
  const free = disk.freeSpace()[0];
  out += `Free: ${free ? `${sizeText(free.sizeBytes)} from LBA ${free.firstLba}` : 'none'}\n`;
  const images = await imageFiles(sh);
  out += `\nImage files (for file: disks):\n`;
  if (images.length === 0) out += '  none\n';
  for (const f of images) {
    const user = imageUser(sh, f.path);
    out += `  ${f.path.padEnd(40)} ${sizeText(f.size).padStart(10)}  ${user === null ? '-' : `domain ${user}`}\n`;
  }
  io.stdout.write(out);
}

async function run(argv: readonly string[], io: CommandIo, sh: Dom0Shell): Promise<number> {
  const [sub, ...args] = argv.slice(1);
  const storage = sh.host.storage;
  const want = (n: number): void => {
    if (args.length !== n) throw new DiskUsageError(`disk ${sub ?? ''}: wrong number of arguments`);
  };
  switch (sub) {
    case 'list':
    case 'ls':
      want(0);
      await list(sh, io);
      return 0;
    case 'create': {
      want(2);
      const [name, sizeArg] = args as [string, string];
      const size = parseSize(sizeArg);
      if (size === null || size <= 0) throw new Error(`invalid size '${sizeArg}' (e.g. 20G, 512M)`);
      if (storage.hostDisk.partitions().some((p) => p.name === name))
        throw new Error(`a partition named ${name} already exists`);
      const p = await storage.createPartition(name, size);
      sh.host.log.dom0(`host disk: created ${p.device} "${name}" (${sizeText(p.sizeBytes)})`);
      io.stdout.write(
        `Created ${p.device} "${p.name}": ${sizeText(p.sizeBytes)} from LBA ${p.firstLba}\n`,
      );
      return 0;
    }
    case 'delete':
    case 'rm': {
      want(1);
      const p = partitionArg(sh, args[0] as string);
      await storage.deletePartition(p.number);
      sh.host.log.dom0(`host disk: deleted ${p.device} "${p.name}"`);
      io.stdout.write(`Deleted ${p.device} "${p.name}" (${sizeText(p.sizeBytes)} freed)\n`);
      return 0;
    }
    case 'export': {
      want(2);
      const [which, file] = args as [string, string];
      const host = sh.host.hostFiles;
      if (!host)
        throw new Error(
          'no host file system here: export from the desktop (it downloads the image through the worker API)',
        );
      const whole = which === HOST_DISK_DEVICE;
      const p = whole ? null : partitionArg(sh, which);
      await storage.flush();
      const size = p ? p.sizeBytes : storage.hostDisk.sizeBytes;
      let data = 0;
      async function* counted(): AsyncGenerator<ImagePiece> {
        for await (const piece of storage.exportPartition(p?.number)) {
          if (io.signal.aborted) throw new Error('interrupted');
          if (piece.data) data += piece.length;
          yield piece;
        }
      }
      await host.writeImage(file, size, counted());
      io.stdout.write(
        `Exported ${p ? `${p.device} "${p.name}"` : HOST_DISK_DEVICE} to ${file}: ${sizeText(size)} (${formatBytes(data)} of data, the rest holes)\n`,
      );
      return 0;
    }
    case 'import': {
      want(2);
      const [which, file] = args as [string, string];
      const host = sh.host.hostFiles;
      if (!host)
        throw new Error(
          'no host file system here: import from the desktop (it uploads the image through the worker API)',
        );
      const p = partitionArg(sh, which);
      let img;
      try {
        img = await host.readImage(file);
      } catch (e) {
        throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const r = await storage.importPartition(p.number, img.chunks, img.size);
      sh.host.log.dom0(`host disk: imported ${file} into ${p.device}`);
      io.stdout.write(
        `Imported ${file} into ${p.device} "${p.name}": ${formatBytes(r.bytes)} (${formatBytes(r.zeroBytes)} zeros left as holes)\n`,
      );
      return 0;
    }
    case 'image':
      await image(sh, io, args);
      return 0;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      io.stdout.write(USAGE);
      return sub === undefined ? 2 : 0;
    default:
      throw new DiskUsageError(`disk: unknown subcommand '${sub}'`);
  }
}

export async function diskCommand(
  argv: readonly string[],
  io: CommandIo,
  sh: Dom0Shell,
): Promise<number> {
  try {
    return await run(argv, io, sh);
  } catch (e) {
    if (e instanceof DiskUsageError) {
      io.stderr.write(`${e.message}\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`disk ${argv[1] ?? ''}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
