import { describe, expect, it } from 'vitest';
import { XenStore, type XsConnection } from '../../../src/server/xenstore/xenstore.ts';
import { XsError, type XsErrno } from '../../../src/server/xenstore/xs-error.ts';
import { parsePermission } from '../../../src/server/xenstore/xs-permissions.ts';

function code(fn: () => unknown): XsErrno | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof XsError) return e.code;
    throw e;
  }
}

const perms = (...s: string[]) => s.map(parsePermission);

/** A store with dom0 and guests 1 and 2, each guest's home as libxl leaves it. */
function setup(options?: ConstructorParameters<typeof XenStore>[0]) {
  const store = new XenStore(options);
  const dom0 = store.connect(0);
  for (const d of [1, 2]) {
    dom0.write(`/local/domain/${d}`, '');
    dom0.setPermissions(`/local/domain/${d}`, perms('n0', `r${d}`));
    dom0.write(`/local/domain/${d}/name`, `guest${d}`);
    dom0.write(`/local/domain/${d}/data`, '');
    dom0.setPermissions(`/local/domain/${d}/data`, perms(`n${d}`));
  }
  return { store, dom0, g1: store.connect(1), g2: store.connect(2) };
}

/** Records watch events of a connection. */
function recorder(conn: XsConnection): [string, string][] {
  const events: [string, string][] = [];
  conn.onWatchEvent = (p, t) => events.push([p, t]);
  return events;
}

describe('xenstore', () => {
  describe('read, write, mkdir, rm, directory', () => {
    it('writes and reads values, creating parents with empty values', () => {
      const { dom0 } = setup();
      dom0.write('/a/b/c', 'hello');
      expect(dom0.readString('/a/b/c')).toBe('hello');
      expect(dom0.readString('/a/b')).toBe('');
      expect(dom0.directory('/a')).toEqual(['b']);
    });

    it('keeps binary values, NUL bytes included', () => {
      const { dom0 } = setup();
      dom0.write('/bin', Uint8Array.of(0, 255, 0, 1));
      expect(dom0.read('/bin')).toEqual(Uint8Array.of(0, 255, 0, 1));
    });

    it('lists children in creation order', () => {
      const { dom0 } = setup();
      for (const n of ['z', 'a', 'm']) dom0.write(`/d/${n}`, n);
      expect(dom0.directory('/d')).toEqual(['z', 'a', 'm']);
      expect(dom0.directory('/local/domain')).toEqual(['1', '2']);
    });

    it('reports ENOENT for a missing node', () => {
      const { dom0 } = setup();
      expect(code(() => dom0.read('/nope'))).toBe('ENOENT');
      expect(code(() => dom0.directory('/nope'))).toBe('ENOENT');
      expect(dom0.exists('/nope')).toBe(false);
    });

    it('mkdir creates an empty node and leaves an existing one alone', () => {
      const { dom0 } = setup();
      dom0.write('/x', 'keep');
      dom0.mkdir('/x');
      dom0.mkdir('/y/z');
      expect(dom0.readString('/x')).toBe('keep');
      expect(dom0.readString('/y/z')).toBe('');
    });

    it('rm removes a subtree; a missing node is fine only if its parent exists', () => {
      const { dom0 } = setup();
      dom0.write('/t/a/b', '1');
      dom0.write('/t/c', '2');
      dom0.rm('/t/a');
      expect(dom0.directory('/t')).toEqual(['c']);
      expect(code(() => dom0.read('/t/a/b'))).toBe('ENOENT');
      expect(code(() => dom0.rm('/t/gone'))).toBe('ok');
      expect(code(() => dom0.rm('/t/gone/deeper'))).toBe('ENOENT');
      expect(code(() => dom0.rm('/'))).toBe('EINVAL');
    });

    it('rejects invalid paths with EINVAL', () => {
      const { dom0 } = setup();
      for (const p of ['/a//b', '/a/', '/a b', ''])
        expect(code(() => dom0.write(p, 'v'))).toBe('EINVAL');
    });

    it('resolves relative paths against /local/domain/<domid>', () => {
      const { dom0, g1 } = setup();
      g1.write('data/hello', 'from guest 1');
      expect(dom0.readString('/local/domain/1/data/hello')).toBe('from guest 1');
      expect(g1.readString('name')).toBe('guest1');
    });
  });

  describe('permissions', () => {
    it('lets a guest read but not write its roperm home, and write its rwperm nodes', () => {
      const { g1 } = setup();
      expect(g1.readString('/local/domain/1/name')).toBe('guest1');
      expect(code(() => g1.write('/local/domain/1/name', 'evil'))).toBe('EACCES');
      expect(code(() => g1.write('/local/domain/1/new', 'x'))).toBe('EACCES');
      expect(code(() => g1.write('/local/domain/1/data/x', 'ok'))).toBe('ok');
    });

    it("keeps a guest out of another guest's subtree, read and write", () => {
      const { g1, g2 } = setup();
      g2.write('data/secret', 's');
      expect(code(() => g1.read('/local/domain/2/name'))).toBe('EACCES');
      expect(code(() => g1.read('/local/domain/2/data/secret'))).toBe('EACCES');
      expect(code(() => g1.directory('/local/domain/2'))).toBe('EACCES');
      expect(code(() => g1.write('/local/domain/2/data/x', 'x'))).toBe('EACCES');
      expect(code(() => g1.rm('/local/domain/2/data/secret'))).toBe('EACCES');
      expect(code(() => g1.getPermissions('/local/domain/2/data'))).toBe('EACCES');
      expect(code(() => g1.setPermissions('/local/domain/2/data', perms('n1')))).toBe('EACCES');
      expect(code(() => g1.write('/vm/x', 'x'))).toBe('EACCES');
      expect(code(() => g1.write('/local/domain/3/x', 'x'))).toBe('EACCES');
    });

    it('does not let a guest tell a missing foreign node from a forbidden one', () => {
      const { g1 } = setup();
      // /local/domain/2 exists, /local/domain/2/nope does not: both answer EACCES.
      expect(code(() => g1.read('/local/domain/2/nope'))).toBe('EACCES');
      expect(code(() => g1.read('/local/domain/9/nope'))).toBe('EACCES');
      // In its own readable home a missing node is simply missing.
      expect(code(() => g1.read('/local/domain/1/nope'))).toBe('ENOENT');
    });

    it('gives dom0 access everywhere', () => {
      const { dom0, g2 } = setup();
      g2.write('data/x', 'guest-owned');
      expect(dom0.readString('/local/domain/2/data/x')).toBe('guest-owned');
      dom0.write('/local/domain/2/data/x', 'dom0 was here');
      expect(g2.readString('data/x')).toBe('dom0 was here');
    });

    it('makes a guest the owner of what it creates, inheriting the other entries', () => {
      const { dom0, g1 } = setup();
      dom0.setPermissions('/local/domain/1/data', perms('n1', 'r2'));
      g1.write('data/mine', 'v');
      expect(g1.getPermissions('data/mine')).toEqual(perms('n1', 'r2'));
      // dom0 keeps the inherited owner.
      dom0.write('/local/domain/1/data/dom0s', 'v');
      expect(dom0.getPermissions('/local/domain/1/data/dom0s')).toEqual(perms('n1', 'r2'));
    });

    it('lets an owner grant access but not give the node away', () => {
      const { g1, g2 } = setup();
      g1.write('data/shared', 'hi');
      g1.setPermissions('data/shared', perms('n1', 'r2'));
      expect(g2.readString('/local/domain/1/data/shared')).toBe('hi');
      expect(code(() => g2.write('/local/domain/1/data/shared', 'x'))).toBe('EACCES');
      expect(code(() => g1.setPermissions('data/shared', perms('n2')))).toBe('EACCES');
      expect(code(() => g2.setPermissions('/local/domain/1/data/shared', perms('n1', 'b2')))).toBe(
        'EACCES',
      );
    });

    it('lets a domain with write access but no ownership write, not chmod', () => {
      const { dom0, g2 } = setup();
      dom0.write('/local/domain/1/data/box', '');
      dom0.setPermissions('/local/domain/1/data/box', perms('n1', 'w2'));
      expect(code(() => g2.write('/local/domain/1/data/box', 'drop'))).toBe('ok');
      expect(code(() => g2.read('/local/domain/1/data/box'))).toBe('EACCES');
      expect(code(() => g2.setPermissions('/local/domain/1/data/box', perms('n1', 'b2')))).toBe(
        'EACCES',
      );
    });
  });

  describe('watches', () => {
    it('fires once when set, with the path as given', () => {
      const { dom0 } = setup();
      const ev = recorder(dom0);
      dom0.watch('/local/domain/1', 'tok');
      expect(ev).toEqual([['/local/domain/1', 'tok']]);
    });

    it('fires on the path and on changes below it, not beside it', () => {
      const { dom0 } = setup();
      const ev = recorder(dom0);
      dom0.watch('/w', 't');
      ev.length = 0;
      dom0.write('/w', 'v');
      dom0.write('/w/a/b', 'v');
      dom0.write('/wx', 'v');
      dom0.write('/other', 'v');
      dom0.mkdir('/w/c');
      dom0.mkdir('/w/c'); // exists: no change, no event
      dom0.setPermissions('/w/c', perms('n0', 'r1'));
      expect(ev).toEqual([
        ['/w', 't'],
        ['/w/a/b', 't'],
        ['/w/c', 't'],
        ['/w/c', 't'],
      ]);
    });

    it('fires watches below a removed node with their own path, and ancestors with the removed one', () => {
      const { dom0 } = setup();
      dom0.write('/r/a/b/c', 'v');
      const ev = recorder(dom0);
      dom0.watch('/r/a/b/c', 'deep');
      dom0.watch('/r', 'top');
      dom0.watch('/r/other', 'beside');
      ev.length = 0;
      dom0.rm('/r/a');
      expect(ev).toEqual([
        ['/r/a/b/c', 'deep'],
        ['/r/a', 'top'],
      ]);
    });

    it('reports events relative when the watch was set relative', () => {
      const { g1 } = setup();
      const ev = recorder(g1);
      g1.watch('data', 'rel');
      g1.watch('/local/domain/1/data', 'abs');
      g1.write('data/x', '1');
      expect(ev).toEqual([
        ['data', 'rel'],
        ['/local/domain/1/data', 'abs'],
        ['data/x', 'rel'],
        ['/local/domain/1/data/x', 'abs'],
      ]);
    });

    it('does not tell a guest about nodes it cannot read', () => {
      const { dom0, g1, g2 } = setup();
      const ev1 = recorder(g1);
      const ev2 = recorder(g2);
      g1.watch('/local/domain', 'all');
      g2.watch('/local/domain', 'all');
      ev1.length = 0;
      ev2.length = 0;
      g2.write('data/private', 'x');
      dom0.write('/local/domain/1/name', 'renamed');
      expect(ev1).toEqual([['/local/domain/1/name', 'all']]);
      expect(ev2).toEqual([['/local/domain/2/data/private', 'all']]);
    });

    it('stops after unwatch; refuses duplicates and unknown watches', () => {
      const { dom0 } = setup();
      const ev = recorder(dom0);
      dom0.watch('/u', 't');
      expect(code(() => dom0.watch('/u', 't'))).toBe('EEXIST');
      dom0.watch('/u', 't2');
      dom0.unwatch('/u', 't');
      ev.length = 0;
      dom0.write('/u', 'x');
      expect(ev).toEqual([['/u', 't2']]);
      expect(code(() => dom0.unwatch('/u', 't'))).toBe('ENOENT');
      dom0.resetWatches();
      dom0.write('/u', 'y');
      expect(ev).toHaveLength(1);
    });

    it('sends a watch its own callback, others to onWatchEvent', () => {
      const { dom0 } = setup();
      const mine: string[] = [];
      const rest = recorder(dom0);
      dom0.watch('/cb', 'a', (p) => mine.push(p));
      dom0.watch('/cb', 'b');
      dom0.write('/cb/x', '1');
      expect(mine).toEqual(['/cb', '/cb/x']);
      expect(rest).toEqual([
        ['/cb', 'b'],
        ['/cb/x', 'b'],
      ]);
    });

    it('lets a callback change the store, and keeps a throwing callback from breaking it', () => {
      const errors: unknown[] = [];
      const { dom0 } = setup({ onListenerError: (e) => errors.push(e) });
      dom0.watch('/ping', 'p', (p) => {
        if (p === '/ping/x') dom0.write('/pong', 'answered');
      });
      dom0.watch('/boom', 'b', () => {
        throw new Error('listener bug');
      });
      dom0.write('/ping/x', '1');
      expect(dom0.readString('/pong')).toBe('answered');
      expect(code(() => dom0.write('/boom/x', '1'))).toBe('ok');
      expect(errors).toHaveLength(2); // the initial fire and the write
    });

    it('delivers @introduceDomain and @releaseDomain to privileged watchers only', () => {
      const { store, dom0, g1 } = setup();
      const ev0 = recorder(dom0);
      const ev1 = recorder(g1);
      dom0.watch('@introduceDomain', 'i');
      dom0.watch('@releaseDomain', 'r');
      g1.watch('@releaseDomain', 'r');
      ev0.length = 0;
      ev1.length = 0;
      store.introduceDomain(5);
      store.releaseDomain(5);
      expect(ev0).toEqual([
        ['@introduceDomain', 'i'],
        ['@releaseDomain', 'r'],
      ]);
      expect(ev1).toEqual([]);
    });
  });

  describe('transactions', () => {
    it('isolates writes until commit, then fires their watches', () => {
      const { dom0 } = setup();
      const other = dom0.store.connect(0);
      const ev = recorder(other);
      other.watch('/tx', 'w');
      ev.length = 0;
      const tx = dom0.transactionStart();
      dom0.write('/tx/a', '1', tx);
      expect(dom0.readString('/tx/a', tx)).toBe('1');
      expect(code(() => other.read('/tx/a'))).toBe('ENOENT');
      expect(ev).toEqual([]);
      dom0.transactionEnd(tx, true);
      expect(other.readString('/tx/a')).toBe('1');
      expect(ev).toEqual([['/tx/a', 'w']]);
    });

    it('discards everything on abort', () => {
      const { dom0 } = setup();
      dom0.write('/keep', 'old');
      const tx = dom0.transactionStart();
      dom0.write('/keep', 'new', tx);
      dom0.rm('/local/domain/1', tx);
      dom0.transactionEnd(tx, false);
      expect(dom0.readString('/keep')).toBe('old');
      expect(dom0.readString('/local/domain/1/name')).toBe('guest1');
    });

    it('fails with EAGAIN when something it read changed meanwhile', () => {
      const { dom0 } = setup();
      const other = dom0.store.connect(0);
      dom0.write('/counter', '1');
      const tx = dom0.transactionStart();
      const n = Number(dom0.readString('/counter', tx));
      other.write('/counter', '10');
      dom0.write('/counter', String(n + 1), tx);
      expect(code(() => dom0.transactionEnd(tx, true))).toBe('EAGAIN');
      expect(dom0.readString('/counter')).toBe('10');
      expect(dom0.transactionCount).toBe(0);
    });

    it('conflicts when another commit created a node the transaction saw missing', () => {
      const { dom0 } = setup();
      const other = dom0.store.connect(0);
      const tx = dom0.transactionStart();
      expect(dom0.exists('/lock', tx)).toBe(false);
      dom0.write('/lock', 'me', tx);
      other.write('/lock', 'them');
      expect(code(() => dom0.transactionEnd(tx, true))).toBe('EAGAIN');
    });

    it('commits when unrelated nodes changed meanwhile', () => {
      const { dom0 } = setup();
      const other = dom0.store.connect(0);
      dom0.write('/p/a', '1');
      dom0.write('/q', '1');
      const tx = dom0.transactionStart();
      dom0.write('/p/a', '2', tx);
      other.write('/q', '2');
      expect(code(() => dom0.transactionEnd(tx, true))).toBe('ok');
      expect(dom0.readString('/p/a')).toBe('2');
    });

    it('retries a body on EAGAIN with transaction()', () => {
      const { dom0 } = setup();
      const other = dom0.store.connect(0);
      dom0.write('/n', '0');
      let attempts = 0;
      dom0.transaction((tx) => {
        attempts++;
        const n = Number(dom0.readString('/n', tx));
        if (attempts === 1) other.write('/n', '100'); // a concurrent update
        dom0.write('/n', String(n + 1), tx);
      });
      expect(attempts).toBe(2);
      expect(dom0.readString('/n')).toBe('101');
    });

    it('refuses an unknown transaction id', () => {
      const { dom0 } = setup();
      expect(code(() => dom0.read('/local', 999))).toBe('ENOENT');
      expect(code(() => dom0.transactionEnd(999, true))).toBe('ENOENT');
    });

    it('checks permissions inside transactions too', () => {
      const { g1 } = setup();
      const tx = g1.transactionStart();
      expect(code(() => g1.read('/local/domain/2/name', tx))).toBe('EACCES');
      expect(code(() => g1.write('data/ok', '1', tx))).toBe('ok');
      g1.transactionEnd(tx, true);
      expect(g1.readString('data/ok')).toBe('1');
    });
  });

  describe('quotas', () => {
    it('limits the nodes a guest may own, not dom0', () => {
      const { store, dom0, g1 } = setup({ quota: { maxNodesPerDomain: 5 } });
      expect(store.nodeCount(1)).toBe(1); // data
      for (let i = 0; i < 4; i++) g1.write(`data/n${i}`, 'x');
      expect(store.nodeCount(1)).toBe(5);
      expect(code(() => g1.write('data/n4', 'x'))).toBe('ENOSPC');
      expect(code(() => g1.write('data/n0', 'overwrite is fine'))).toBe('ok');
      g1.rm('data/n0');
      expect(code(() => g1.write('data/a/b', 'x'))).toBe('ENOSPC'); // two new nodes
      expect(code(() => g1.write('data/a', 'x'))).toBe('ok');
      for (let i = 0; i < 20; i++) dom0.write(`/local/domain/1/data/d${i}`, 'x');
    });

    it('counts nodes created in a transaction against the quota', () => {
      const { g1 } = setup({ quota: { maxNodesPerDomain: 3 } });
      const tx = g1.transactionStart();
      g1.write('data/a', '1', tx);
      g1.write('data/b', '1', tx);
      expect(code(() => g1.write('data/c', '1', tx))).toBe('ENOSPC');
      g1.transactionEnd(tx, false);
    });

    it('limits value size, watches and open transactions of guests', () => {
      const { dom0, g1 } = setup({
        quota: { maxValueSize: 16, maxWatchesPerDomain: 2, maxTransactionsPerConnection: 2 },
      });
      expect(code(() => g1.write('data/v', 'x'.repeat(17)))).toBe('ENOSPC');
      expect(code(() => g1.write('data/v', 'x'.repeat(16)))).toBe('ok');
      expect(code(() => dom0.write('/big', 'x'.repeat(5000)))).toBe('ok');
      g1.watch('data/1', 't');
      g1.store.connect(1).watch('data/2', 't'); // quota is per domain
      expect(code(() => g1.watch('data/3', 't'))).toBe('E2BIG');
      g1.transactionStart();
      g1.transactionStart();
      expect(code(() => g1.transactionStart())).toBe('ENOSPC');
      for (let i = 0; i < 5; i++) dom0.transactionStart();
    });
  });

  describe('domains', () => {
    it('introduces and releases domains', () => {
      const { store } = setup();
      expect(store.isDomainIntroduced(1)).toBe(false);
      store.introduceDomain(1);
      expect(store.isDomainIntroduced(1)).toBe(true);
      store.releaseDomain(1);
      expect(store.isDomainIntroduced(1)).toBe(false);
      expect(code(() => store.releaseDomain(1))).toBe('ENOENT');
      expect(code(() => store.introduceDomain(0))).toBe('EINVAL');
      expect(code(() => store.introduceDomain(0x7ff0))).toBe('EINVAL');
      expect(store.getDomainPath(7)).toBe('/local/domain/7');
    });

    it("closes a released domain's connections and takes its rights away", () => {
      const { store, dom0, g1, g2 } = setup();
      store.introduceDomain(1);
      g1.write('data/x', 'v');
      g1.watch('data', 't');
      dom0.setPermissions('/local/domain/2/data', perms('n2', 'r1'));
      store.releaseDomain(1);
      expect(g1.closed).toBe(true);
      expect(code(() => g1.read('name'))).toBe('EINVAL');
      expect(store.watchCount(1)).toBe(0);
      expect(dom0.getPermissions('/local/domain/1/data/x')).toEqual(perms('n0'));
      expect(dom0.getPermissions('/local/domain/1')).toEqual(perms('n0'));
      expect(dom0.getPermissions('/local/domain/2/data')).toEqual(perms('n2'));
      // A new domain 1 inherits nothing.
      const again = store.connect(1);
      expect(code(() => again.read('/local/domain/1/name'))).toBe('EACCES');
      expect(g2.readString('data')).toBe('');
    });
  });

  it('dumps the tree like xenstore-ls', () => {
    const { store } = setup();
    expect(store.dump('/local/domain/1', { perms: true })).toBe(
      'name = "guest1"  (n0,r1)\ndata = ""  (n1)\n',
    );
  });
});
