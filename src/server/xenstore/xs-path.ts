/**
 * xenstore path rules (docs/misc/xenstore.txt): paths are /-separated and
 * absolute; a domain may also give a path relative to /local/domain/<domid>.
 * Allowed characters are ASCII alphanumerics and - / _ @; no doubled or
 * trailing slash (except the root); at most 3072 bytes absolute, 2048
 * relative. Names starting with @ are the special watch events.
 */
import { XsError } from './xs-error.ts';
import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from './xs-wire.ts';

export const INTRODUCE_DOMAIN = '@introduceDomain';
export const RELEASE_DOMAIN = '@releaseDomain';

const VALID = /^\/(?:[A-Za-z0-9\-_@]+(?:\/[A-Za-z0-9\-_@]+)*)?$/;

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

export function isValidPath(path: string): boolean {
  return path.length <= XENSTORE_ABS_PATH_MAX && VALID.test(path);
}

/** A path as given by a connection of `domid`, made absolute and checked. */
export function canonicalize(path: string, domid: number): { path: string; relative: boolean } {
  const relative = !path.startsWith('/');
  if (relative && path.length > XENSTORE_REL_PATH_MAX) {
    throw new XsError('EINVAL', `relative path longer than ${XENSTORE_REL_PATH_MAX} bytes`);
  }
  const abs = relative ? `${domainPath(domid)}/${path}` : path;
  if (!isValidPath(abs)) throw new XsError('EINVAL', `invalid path '${path.slice(0, 80)}'`);
  return { path: abs, relative };
}

/** The parent of an absolute path other than the root. */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** xenstored is_child(): a path is a child of itself and of every ancestor. */
export function isChild(child: string, parent: string): boolean {
  if (parent === '/') return child.startsWith('/');
  return child === parent || child.startsWith(`${parent}/`);
}

/** An absolute path as a connection that asked relatively should see it. */
export function relativeTo(path: string, domid: number): string {
  const base = `${domainPath(domid)}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}
