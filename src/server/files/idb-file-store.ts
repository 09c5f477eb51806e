import { createStore, delMany, entries, set, type UseStore } from 'idb-keyval';
import { MemoryFileStore, type FileNode } from './memory-file-store.ts';

/**
 * The browser backend: every node is one IndexedDB record (key = path,
 * value = FileNode; Uint8Array survives the structured clone). The whole tree
 * is read once at open into a MemoryFileStore that writes each change
 * through, so reads never wait for IndexedDB and a write resolves only once
 * it is stored. Used by the worker only.
 */
export const IDB_DATABASE = 'tabvisor-files';
export const IDB_OBJECT_STORE = 'nodes';

function isFileNode(v: unknown): v is FileNode {
  if (typeof v !== 'object' || v === null) return false;
  const n = v as { kind?: unknown; mtimeMs?: unknown; data?: unknown };
  if (typeof n.mtimeMs !== 'number') return false;
  return n.kind === 'dir' || (n.kind === 'file' && n.data instanceof Uint8Array);
}

export async function openIdbFileStore(
  database = IDB_DATABASE,
  objectStore = IDB_OBJECT_STORE,
): Promise<MemoryFileStore> {
  const db: UseStore = createStore(database, objectStore);
  const initial: [string, FileNode][] = [];
  for (const [key, value] of await entries<IDBValidKey, unknown>(db)) {
    if (typeof key === 'string' && key.startsWith('/') && isFileNode(value))
      initial.push([key, value]);
  }
  return new MemoryFileStore({
    description: `IndexedDB ${database}`,
    initial,
    persistence: {
      put: (path, node) => set(path, node, db),
      delete: (paths) => delMany([...paths], db),
    },
  });
}
