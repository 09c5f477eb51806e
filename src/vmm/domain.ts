/**
 * Domain identity and lifecycle: ids, names, UUIDs, the states `xl list`
 * shows (r running, b blocked, p paused, s shutdown, c crashed, d dying) and
 * shutdown reasons (xen/include/public/sched.h SHUTDOWN_*).
 */

export type LifecycleState = 'running' | 'paused' | 'shutdown' | 'crashed' | 'dying' | 'destroyed';
export type ShutdownReason = 'poweroff' | 'reboot' | 'suspend' | 'crash' | 'watchdog';

export class DomainStateError extends Error {
  override name = 'DomainStateError';
}

/**
 * The lifecycle of one domain as a state machine:
 *
 *   running ⇄ paused            pause / unpause
 *   running|paused → shutdown   shutdown(poweroff|reboot|suspend|watchdog)
 *   running|paused → crashed    shutdown(crash)
 *   shutdown|crashed|running|paused → running   reset (reboot in place)
 *   any but dying/destroyed → dying → destroyed
 *
 * A dying domain stays until nothing holds its memory (other domains' grant
 * mappings), as in Xen.
 */
export class DomainLifecycle {
  private _state: LifecycleState;
  private _reason: ShutdownReason | null = null;
  private listeners: ((state: LifecycleState, reason: ShutdownReason | null) => void)[] = [];

  constructor(
    readonly label: string,
    paused = false,
  ) {
    this._state = paused ? 'paused' : 'running';
  }

  get state(): LifecycleState {
    return this._state;
  }
  get shutdownReason(): ShutdownReason | null {
    return this._reason;
  }
  /** Can its vCPUs run? */
  get runnable(): boolean {
    return this._state === 'running';
  }

  onChange(listener: (state: LifecycleState, reason: ShutdownReason | null) => void): void {
    this.listeners.push(listener);
  }

  private go(state: LifecycleState, reason: ShutdownReason | null = this._reason): void {
    this._state = state;
    this._reason = reason;
    for (const l of this.listeners) l(state, reason);
  }

  private refuse(op: string): never {
    throw new DomainStateError(`cannot ${op} ${this.label}: it is ${this.describe()}`);
  }

  describe(): string {
    if (this._state === 'shutdown') return `shut down (${this._reason})`;
    return this._state;
  }

  pause(): void {
    if (this._state !== 'running') this.refuse('pause');
    this.go('paused');
  }

  unpause(): void {
    if (this._state !== 'paused') this.refuse('unpause');
    this.go('running');
  }

  /** Guest- or toolstack-requested shutdown; `crash` lands in the crashed state. */
  shutdown(reason: ShutdownReason): void {
    if (this._state !== 'running' && this._state !== 'paused') this.refuse(`shut down (${reason})`);
    this.go(reason === 'crash' ? 'crashed' : 'shutdown', reason);
  }

  /** Reboot in place: back to running with a fresh machine. */
  reset(): void {
    if (this._state === 'dying' || this._state === 'destroyed') this.refuse('reboot');
    this.go('running', null);
  }

  destroy(): void {
    if (this._state === 'dying' || this._state === 'destroyed') this.refuse('destroy');
    this.go('dying');
  }

  /** The last reference went: the domain is gone. */
  finishDestroy(): void {
    if (this._state !== 'dying') this.refuse('finish destroying');
    this.go('destroyed');
  }
}

/**
 * The six-letter state column of `xl list` ("r-----", "-b----", …). `active`
 * says whether any vCPU is runnable right now (r) rather than blocked (b).
 */
export function xlStateLetters(state: LifecycleState, active: boolean): string {
  const flags = ['-', '-', '-', '-', '-', '-'];
  switch (state) {
    case 'running':
      flags[active ? 0 : 1] = active ? 'r' : 'b';
      break;
    case 'paused':
      flags[2] = 'p';
      break;
    case 'shutdown':
      flags[3] = 's';
      break;
    case 'crashed':
      flags[4] = 'c';
      break;
    case 'dying':
    case 'destroyed':
      flags[5] = 'd';
      break;
  }
  return flags.join('');
}

/** Xen's rule for names: non-empty, printable, no '/' (a xenstore path element). */
export function validateDomainName(name: string): void {
  if (
    name.length === 0 ||
    name.length > 64 ||
    !/^[\x21-\x7e][\x20-\x7e]*$/.test(name) ||
    name.includes('/')
  ) {
    throw new RangeError(
      `bad domain name ${JSON.stringify(name)}: 1–64 printable characters, no '/'`,
    );
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateUuid(uuid: string): void {
  if (!UUID_RE.test(uuid)) throw new RangeError(`bad UUID ${JSON.stringify(uuid)}`);
}

/**
 * A version-4-shaped UUID derived from a seed string (FNV-1a based), so domain
 * creation stays deterministic for replay. Unique per (host seed, name, id, generation).
 */
export function deriveUuid(seed: string): string {
  const bytes = new Uint8Array(16);
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i++) {
    for (const ch of `${seed}#${i}`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    bytes[i] = h & 0xff;
  }
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseUuidBytes(uuid: string): Uint8Array {
  validateUuid(uuid);
  const hex = uuid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}
