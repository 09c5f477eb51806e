/**
 * Failures of the host disk, each with a code the caller can act on and a
 * message fit for the shell. A failed write or flush leaves everything that
 * was flushed before it intact, and keeps the unflushed data in the cache
 * so that a later flush can retry it.
 */
export type StorageErrorCode =
  /** The browser's or the file system's quota is used up. */
  | 'quota'
  /** A sector range or chunk index outside the device. */
  | 'out-of-range'
  /** An image or partition of the wrong size. */
  | 'size'
  /** No room for a partition, a name in use, a bad partition number… */
  | 'layout'
  /** On-disk data that does not parse (a chunk of the wrong size, a corrupt GPT). */
  | 'corrupt'
  /** The backend is missing here (OPFS outside a dedicated worker, no IndexedDB). */
  | 'unsupported'
  /** The device was closed. */
  | 'closed'
  /** Any other failure of the backend. */
  | 'io';

export class StorageError extends Error {
  override name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for DOMException/Error names that mean "out of space" in browsers and Node. */
export function isQuotaError(e: unknown): boolean {
  if (e instanceof StorageError) return e.code === 'quota';
  const name = (e as { name?: unknown } | null)?.name;
  const code = (e as { code?: unknown } | null)?.code;
  return name === 'QuotaExceededError' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** Wraps a backend failure, keeping quota errors recognisable. */
export function toStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  if (isQuotaError(e))
    return new StorageError('quota', `${what}: storage quota exceeded (${detail})`, { cause: e });
  return new StorageError('io', `${what}: ${detail}`, { cause: e });
}
