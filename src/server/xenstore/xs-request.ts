/**
 * Turns one wire request into one wire reply, per the payload formats of
 * docs/misc/xenstore.txt ("|" below is a NUL byte):
 *
 *   READ <path>|                  → <value>
 *   WRITE <path>|<value>          → OK|
 *   MKDIR, RM <path>|             → OK|
 *   DIRECTORY <path>|             → <child>|*
 *   DIRECTORY_PART <path>|<off>|  → <gencnt>|<child>|* (+ | at the end)
 *   GET_PERMS <path>|             → <perm>|+
 *   SET_PERMS <path>|<perm>|+     → OK|
 *   WATCH, UNWATCH <path>|<token>|  → OK|
 *   TRANSACTION_START |           → <id>|
 *   TRANSACTION_END T| or F|      → OK|
 *   INTRODUCE, RELEASE, RESUME, SET_TARGET, GET_DOMAIN_PATH,
 *   IS_DOMAIN_INTRODUCED, RESET_WATCHES, CONTROL
 *
 * Failures reply XS_ERROR with the errno name. Nothing a client sends can
 * make this throw.
 */
import type { XsConnection } from './xenstore.ts';
import { XsError, type XsErrno } from './xs-error.ts';
import { formatPermission, parsePermission } from './xs-permissions.ts';
import {
  latin1Bytes,
  latin1String,
  splitStrings,
  stringsPayload,
  XENSTORE_PAYLOAD_MAX,
  XsType,
  type XsMessage,
} from './xs-wire.ts';

export interface XsRequestHooks {
  /** A bug, not a client error: reported here, answered with EIO. */
  readonly onInternalError?: (error: unknown, request: XsMessage) => void;
  /** CONTROL print|<text>: where dom0 diagnostics go. */
  readonly onControlPrint?: (text: string) => void;
}

const OK = stringsPayload(['OK']);

function invalid(why: string): never {
  throw new XsError('EINVAL', why);
}

function strings(payload: Uint8Array, min: number): string[] {
  const s = splitStrings(payload);
  if (!s) invalid('strings must be NUL-terminated');
  if (s.length < min) invalid(`expected ${min} strings, got ${s.length}`);
  return s;
}

/** xenstored onearg(): exactly one NUL-terminated string. */
function oneArg(payload: Uint8Array): string {
  const s = splitStrings(payload);
  if (!s || s.length !== 1) invalid('expected one NUL-terminated string');
  return s[0] as string;
}

function domid(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 0xffff) invalid(`invalid domid '${text}'`);
  return Number(text);
}

function privileged(conn: XsConnection): void {
  if (!conn.privileged) throw new XsError('EACCES', 'privileged operation');
}

/** The trailing reserved "?" strings some clients send are empty: drop them. */
function withoutReserved(list: string[]): string[] {
  const out = [...list];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

function directoryPart(conn: XsConnection, req: XsMessage): Uint8Array {
  const [path, offText] = strings(req.payload, 2) as [string, string];
  if (!/^[0-9]{1,10}$/.test(offText)) invalid(`invalid offset '${offText}'`);
  const offset = Number(offText);
  const { children, generation } = conn.directoryWithGeneration(path, req.txId);
  // gencnt is printed in hex, as xenstored's send_directory_part does.
  const gen = `${Math.max(0, generation).toString(16)}\0`;
  const all = children.map((c) => `${c}\0`).join('');
  let out = gen;
  let at = offset;
  while (at < all.length) {
    const end = all.indexOf('\0', at) + 1;
    // Room for this child and the final empty string.
    if (out.length + (end - at) + 1 > XENSTORE_PAYLOAD_MAX) break;
    out += all.slice(at, end);
    at = end;
  }
  if (at >= all.length) out += '\0'; // an empty string marks the end of the list
  return latin1Bytes(out);
}

function dispatch(conn: XsConnection, req: XsMessage, hooks: XsRequestHooks): Uint8Array {
  const tx = req.txId;
  switch (req.type) {
    case XsType.READ:
      return conn.read(oneArg(req.payload), tx);
    case XsType.WRITE: {
      const nul = req.payload.indexOf(0);
      if (nul < 0) invalid('WRITE needs <path>|<value>');
      conn.write(latin1String(req.payload.subarray(0, nul)), req.payload.subarray(nul + 1), tx);
      return OK;
    }
    case XsType.MKDIR:
      conn.mkdir(oneArg(req.payload), tx);
      return OK;
    case XsType.RM:
      conn.rm(oneArg(req.payload), tx);
      return OK;
    case XsType.DIRECTORY:
      return stringsPayload(conn.directory(oneArg(req.payload), tx));
    case XsType.DIRECTORY_PART:
      return directoryPart(conn, req);
    case XsType.GET_PERMS:
      return stringsPayload(conn.getPermissions(oneArg(req.payload), tx).map(formatPermission));
    case XsType.SET_PERMS: {
      const [path, ...perms] = withoutReserved(strings(req.payload, 2));
      if (path === undefined || perms.length === 0)
        invalid('SET_PERMS needs a path and permissions');
      conn.setPermissions(path, perms.map(parsePermission), tx);
      return OK;
    }
    case XsType.WATCH:
    case XsType.UNWATCH: {
      // The tx_id of a watch request is ignored (xenstore.txt).
      const [path, token] = strings(req.payload, 2) as [string, string];
      if (req.type === XsType.WATCH) conn.watch(path, token);
      else conn.unwatch(path, token);
      return OK;
    }
    case XsType.RESET_WATCHES:
      conn.resetWatches();
      return OK;
    case XsType.TRANSACTION_START:
      if (tx !== 0) throw new XsError('EBUSY', 'TRANSACTION_START inside a transaction');
      return stringsPayload([String(conn.transactionStart())]);
    case XsType.TRANSACTION_END: {
      const arg = oneArg(req.payload);
      if (arg !== 'T' && arg !== 'F') invalid('TRANSACTION_END takes T or F');
      conn.transactionEnd(tx, arg === 'T');
      return OK;
    }
    case XsType.GET_DOMAIN_PATH:
      return stringsPayload([conn.store.getDomainPath(domid(oneArg(req.payload)))]);
    case XsType.IS_DOMAIN_INTRODUCED:
      return stringsPayload([
        conn.store.isDomainIntroduced(domid(oneArg(req.payload))) ? 'T' : 'F',
      ]);
    case XsType.INTRODUCE: {
      privileged(conn);
      const [d] = strings(req.payload, 3) as [string];
      conn.store.introduceDomain(domid(d));
      return OK;
    }
    case XsType.RELEASE:
      privileged(conn);
      conn.store.releaseDomain(domid(oneArg(req.payload)));
      return OK;
    case XsType.RESUME: {
      privileged(conn);
      const d = domid(oneArg(req.payload));
      if (!conn.store.isDomainIntroduced(d))
        throw new XsError('ENOENT', `domain ${d} not introduced`);
      return OK;
    }
    case XsType.SET_TARGET: {
      privileged(conn);
      const [d, t] = strings(req.payload, 2) as [string, string];
      conn.store.setTarget(domid(d), domid(t));
      return OK;
    }
    case XsType.CONTROL: {
      privileged(conn);
      const [cmd, ...args] = strings(req.payload, 1) as [string, ...string[]];
      if (cmd === 'check') return OK;
      if (cmd === 'print') {
        hooks.onControlPrint?.(args.join(' '));
        return OK;
      }
      if (cmd === 'help') return stringsPayload(['check\nprint <string>\nhelp\n']);
      return invalid(`unknown CONTROL command '${cmd}'`);
    }
    default:
      // XS_WATCH_EVENT, XS_ERROR, the feature/quota requests and any unknown number.
      throw new XsError('ENOSYS', `unsupported request type ${req.type}`);
  }
}

function errorReply(req: XsMessage, code: XsErrno): XsMessage {
  return { type: XsType.ERROR, reqId: req.reqId, txId: req.txId, payload: stringsPayload([code]) };
}

/**
 * Handles one request from `conn`. Replies carry the request's type,
 * req_id and tx_id; errors are XS_ERROR with only req_id and tx_id kept.
 * Watch events the request causes for `conn` are delivered after this
 * returns, when called inside `conn.run()` (see XenstoreRingServer).
 */
export function handleXsRequest(
  conn: XsConnection,
  req: XsMessage,
  hooks: XsRequestHooks = {},
): XsMessage {
  try {
    const payload = dispatch(conn, req, hooks);
    // A reply that would break XENSTORE_PAYLOAD_MAX is refused (xenstored send_reply).
    if (payload.length > XENSTORE_PAYLOAD_MAX) return errorReply(req, 'E2BIG');
    return { type: req.type, reqId: req.reqId, txId: req.txId, payload };
  } catch (e) {
    if (e instanceof XsError) return errorReply(req, e.code);
    hooks.onInternalError?.(e, req);
    return errorReply(req, 'EIO');
  }
}
