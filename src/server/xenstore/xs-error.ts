/**
 * xenstore errors travel as errno names, not numbers (xs_wire.h
 * `xsd_errors`): the reply to a failed request is an XS_ERROR message
 * whose payload is e.g. "ENOENT\0". These are the names that table lists.
 */
export const XSD_ERRORS = [
  'EINVAL',
  'EACCES',
  'EEXIST',
  'EISDIR',
  'ENOENT',
  'ENOMEM',
  'ENOSPC',
  'EIO',
  'ENOTEMPTY',
  'ENOSYS',
  'EROFS',
  'EBUSY',
  'EAGAIN',
  'EISCONN',
  'E2BIG',
] as const;

export type XsErrno = (typeof XSD_ERRORS)[number];

const MEANING: Readonly<Record<XsErrno, string>> = {
  EINVAL: 'invalid argument',
  EACCES: 'permission denied',
  EEXIST: 'already exists',
  EISDIR: 'is a directory',
  ENOENT: 'no such node',
  ENOMEM: 'out of memory',
  ENOSPC: 'quota exceeded',
  EIO: 'input/output error',
  ENOTEMPTY: 'not empty',
  ENOSYS: 'operation not supported',
  EROFS: 'read-only',
  EBUSY: 'busy',
  EAGAIN: 'transaction conflict, try again',
  EISCONN: 'already connected',
  E2BIG: 'too big',
};

/** A failed xenstore operation; `code` is what goes on the wire. */
export class XsError extends Error {
  override readonly name = 'XsError';

  constructor(
    readonly code: XsErrno,
    detail?: string,
  ) {
    super(detail === undefined ? `${code}: ${MEANING[code]}` : `${code}: ${detail}`);
  }
}

export function isXsErrno(name: string): name is XsErrno {
  return (XSD_ERRORS as readonly string[]).includes(name);
}
