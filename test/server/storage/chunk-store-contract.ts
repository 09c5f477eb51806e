/**
 * The contract every ChunkStore keeps, as plain async checks (no Vitest
 * inside), so the same checks run under Vitest in Node (memory, sparse
 * file) and inside a real Worker in Chromium (OPFS, IndexedDB).
 */
import {
  STORE_FORMAT,
  type ChunkStore,
  type StoreMeta,
} from '../../../src/server/storage/chunk-store';
import { StorageError } from '../../../src/server/storage/storage-error';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<ChunkStore>;
  /** Another handle on the same storage (the first one closed), as after a reload. */
  reopen(): Promise<ChunkStore>;
}

export interface ContractCheck {
  readonly name: string;
  run(f: StoreFactory): Promise<void>;
}

const CHUNK = 64 * 1024;
const META: StoreMeta = {
  format: STORE_FORMAT,
  version: 1,
  sizeBytes: 500 * 1024 ** 3,
  chunkSize: CHUNK,
};

function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/** A chunk whose bytes depend on `seed`, so mix-ups show. */
export function pattern(seed: number, size = CHUNK): Uint8Array {
  const b = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function same(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const CONTRACT: readonly ContractCheck[] = [
  {
    name: 'starts empty: no metadata, no chunks, unknown chunks read as null',
    async run(f) {
      const s = await f.create();
      check((await s.readMeta()) === null, 'fresh store has metadata');
      check((await s.listChunks()).length === 0, 'fresh store lists chunks');
      check((await s.readChunk(7)) === null, 'unwritten chunk is not null');
      await s.close();
    },
  },
  {
    name: 'keeps metadata across a reopen',
    async run(f) {
      const s = await f.create();
      await s.writeMeta(META);
      await s.close();
      const t = await f.reopen();
      const m = await t.readMeta();
      check(
        m !== null && m.sizeBytes === META.sizeBytes && m.chunkSize === CHUNK,
        `meta came back as ${JSON.stringify(m)}`,
      );
      await t.close();
    },
  },
  {
    name: 'stores a batch, overwrites, drops, and lists ascending',
    async run(f) {
      const s = await f.create();
      await s.writeMeta(META);
      await s.writeChunks([
        { index: 9, data: pattern(9) },
        { index: 2, data: pattern(2) },
        { index: 5, data: pattern(5) },
      ]);
      check(same(await s.readChunk(2), pattern(2)), 'chunk 2 differs');
      check(same(await s.readChunk(9), pattern(9)), 'chunk 9 differs');
      check(
        JSON.stringify(await s.listChunks()) === '[2,5,9]',
        `list ${JSON.stringify(await s.listChunks())}`,
      );
      await s.writeChunks([
        { index: 5, data: pattern(55) },
        { index: 9, data: null },
      ]);
      check(same(await s.readChunk(5), pattern(55)), 'chunk 5 not overwritten');
      check((await s.readChunk(9)) === null, 'dropped chunk 9 still reads');
      check(
        JSON.stringify(await s.listChunks()) === '[2,5]',
        `list after drop ${JSON.stringify(await s.listChunks())}`,
      );
      await s.close();
    },
  },
  {
    name: 'a committed batch survives a reopen; the caller may reuse its buffer',
    async run(f) {
      const s = await f.create();
      await s.writeMeta(META);
      const buf = pattern(3);
      await s.writeChunks([{ index: 3, data: buf }]);
      buf.fill(0xee);
      await s.close();
      const t = await f.reopen();
      check(same(await t.readChunk(3), pattern(3)), 'chunk 3 not durable or aliased');
      check(JSON.stringify(await t.listChunks()) === '[3]', 'reopened list differs');
      await t.close();
    },
  },
  {
    name: 'is sparse: a chunk near the end of a 500 GiB disk stores only itself',
    async run(f) {
      const s = await f.create();
      await s.writeMeta(META);
      const last = META.sizeBytes / CHUNK - 1;
      await s.writeChunks([{ index: last, data: pattern(last) }]);
      check(JSON.stringify(await s.listChunks()) === `[${last}]`, 'not sparse');
      check(same(await s.readChunk(last), pattern(last)), 'last chunk differs');
      check((await s.readChunk(last - 1)) === null, 'neighbour of last chunk exists');
      await s.close();
    },
  },
  {
    name: 'refuses use after close with a StorageError',
    async run(f) {
      const s = await f.create();
      await s.close();
      let code = '';
      try {
        await s.readChunk(0);
      } catch (e) {
        code = e instanceof StorageError ? e.code : 'other';
      }
      check(code === 'closed', `read after close gave ${code || 'no error'}`);
    },
  },
];

/** Runs every check; returns failures as "name: message". */
export async function runContract(f: StoreFactory): Promise<string[]> {
  const failures: string[] = [];
  for (const c of CONTRACT) {
    try {
      await c.run(f);
    } catch (e) {
      failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return failures;
}
