/**
 * Node permissions as in Xen's xenstored (docs/misc/xenstore.txt
 * "GET_PERMS / SET_PERMS", xenstored_core.c perm_for_conn): a node has a
 * list of `<letter><domid>` entries. The first names the owner — who may do
 * anything — and gives everyone else's default access; later entries grant
 * a particular domain r(ead), w(rite), b(oth) or n(one). Privileged
 * domains (dom0) may do anything anywhere.
 */
import { XsError } from './xs-error.ts';

export type XsAccess = 'n' | 'r' | 'w' | 'b';

export interface XsPermission {
  readonly domid: number;
  readonly access: XsAccess;
}

/** What one domain may do with one node. */
export interface XsRights {
  readonly read: boolean;
  readonly write: boolean;
  /** Owner (or privileged): may change the permissions. */
  readonly owner: boolean;
}

export const DOMID_MAX = 0xffff;

/** Parses "r5", "b0"… as sent in SET_PERMS; throws EINVAL otherwise. */
export function parsePermission(text: string): XsPermission {
  const m = /^([nrwb])(0|[1-9][0-9]{0,4})$/.exec(text);
  const domid = m ? Number(m[2]) : NaN;
  if (!m || domid > DOMID_MAX) throw new XsError('EINVAL', `invalid permission '${text}'`);
  return { domid, access: m[1] as XsAccess };
}

export function formatPermission(p: XsPermission): string {
  return `${p.access}${p.domid}`;
}

const canRead = (a: XsAccess): boolean => a === 'r' || a === 'b';
const canWrite = (a: XsAccess): boolean => a === 'w' || a === 'b';

/**
 * perm_for_conn(): owners and privileged domains get everything; else the
 * first entry naming the domain (or its target, see SET_TARGET); else the
 * default in the owner entry.
 */
export function rightsFor(
  perms: readonly XsPermission[],
  domid: number,
  privileged: boolean,
  target?: number,
): XsRights {
  const owner = perms[0];
  if (
    privileged ||
    owner === undefined ||
    owner.domid === domid ||
    (target !== undefined && owner.domid === target)
  ) {
    return { read: true, write: true, owner: true };
  }
  for (let i = 1; i < perms.length; i++) {
    const p = perms[i] as XsPermission;
    if (p.domid === domid || (target !== undefined && p.domid === target)) {
      return { read: canRead(p.access), write: canWrite(p.access), owner: false };
    }
  }
  return { read: canRead(owner.access), write: canWrite(owner.access), owner: false };
}
