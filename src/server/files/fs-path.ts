/**
 * POSIX path handling for the VM server's file tree (IEEE Std 1003.1,
 * §4.13 "Pathname Resolution"): absolute paths, '.' and '..' resolved
 * lexically (there are no symbolic links), repeated slashes collapsed.
 */

/** Resolve `path` against the working directory `cwd` to a normalised absolute path. */
export function resolvePath(path: string, cwd = '/'): string {
  const joined = path.startsWith('/') ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    // '..' at the root stays at the root (§4.13).
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The parent directory of a normalised absolute path ('/' for '/'). */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last component of a normalised absolute path ('' for '/'). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Join a directory and a name. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Every ancestor of `path`, outermost first, excluding '/' and `path` itself. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = dirname(path); p !== '/'; p = dirname(p)) out.unshift(p);
  return out;
}

/** Is `path` equal to `dir` or inside it? */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}
