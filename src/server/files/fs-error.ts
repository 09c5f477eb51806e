/**
 * Errors of the VM server's file tree, named after POSIX errno values so the
 * shell can print them the way coreutils do (`cat: /x: No such file or directory`).
 */
export const FS_ERROR_TEXT = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  EINVAL: 'Invalid argument',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EIO: 'Input/output error',
} as const;

export type FsErrorCode = keyof typeof FS_ERROR_TEXT;

export class FsError extends Error {
  override name = 'FsError';

  constructor(
    readonly code: FsErrorCode,
    /** The path the operation was about. */
    readonly path: string,
  ) {
    super(`${path}: ${FS_ERROR_TEXT[code]}`);
  }
}

export function isFsError(e: unknown, code?: FsErrorCode): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}
