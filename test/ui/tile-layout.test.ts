import { describe, expect, it } from 'vitest';
import { MAX_TILE_HEIGHT, MIN_TILE_HEIGHT, TileLayout, spanAt } from '../../src/ui/tile-layout';

describe('TileLayout: the screens page arrangement, by guest name', () => {
  it('shows new guests in the order given, then keeps each at its place', () => {
    const l = new TileLayout();
    expect(l.arrange(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    // The client lists domains by domid: a restarted guest comes last there, but not here.
    expect(l.arrange(['b', 'c', 'a'])).toEqual(['a', 'b', 'c']);
    expect(l.arrange(['d', 'b'])).toEqual(['b', 'd']);
  });

  it.each([
    // [move, onto, expected order]
    ['a', 'c', ['b', 'c', 'a']],
    ['c', 'a', ['c', 'a', 'b']],
    ['a', 'b', ['b', 'a', 'c']],
    ['b', 'b', ['a', 'b', 'c']],
  ] as const)('moving %s onto %s gives %j', (name, target, order) => {
    const l = new TileLayout();
    l.arrange(['a', 'b', 'c']);
    l.moveTo(name, target);
    expect(l.arrange(['a', 'b', 'c'])).toEqual(order);
  });

  it('moves one place among the tiles shown, stepping over guests that are not running', () => {
    const l = new TileLayout();
    l.arrange(['a', 'x', 'b', 'c']);
    const shown = l.arrange(['a', 'b', 'c']);
    expect(l.moveBy('a', 1, shown)).toBe(true);
    expect(l.arrange(['a', 'b', 'c'])).toEqual(['b', 'a', 'c']);
    expect(l.moveBy('b', -1, ['b', 'a', 'c'])).toBe(false);
    expect(l.moveBy('c', 1, ['b', 'a', 'c'])).toBe(false);
    // x, when it runs again, is still before the others' new places.
    expect(l.arrange(['a', 'b', 'c', 'x'])).toEqual(['x', 'b', 'a', 'c']);
  });

  it('clamps spans and heights, and shows a span no wider than the grid', () => {
    const l = new TileLayout();
    l.setSpan('a', 9);
    expect(l.span('a')).toBe(4);
    expect(l.shownSpan('a', 2)).toBe(2);
    l.setSpan('a', 0);
    expect(l.span('a')).toBe(1);
    l.setHeight('a', 10);
    expect(l.height('a')).toBe(MIN_TILE_HEIGHT);
    l.setHeight('a', 1e6);
    expect(l.height('a')).toBe(MAX_TILE_HEIGHT);
    l.setHeight('a', null);
    expect(l.height('a')).toBeNull();
    expect(l.span('never-seen')).toBe(1);
  });

  it('survives a round trip through storage, and ignores what it cannot read', () => {
    const l = new TileLayout();
    l.columns = 2;
    l.arrange(['a', 'b', 'c']);
    l.moveTo('c', 'a');
    l.setSpan('b', 2);
    l.setHeight('c', 500);
    const back = TileLayout.parse(l.serialize());
    expect(back.columns).toBe(2);
    expect(back.arrange(['a', 'b', 'c'])).toEqual(['c', 'a', 'b']);
    expect([back.span('b'), back.height('b'), back.span('c'), back.height('c')]).toEqual([
      2,
      null,
      1,
      500,
    ]);
    for (const junk of [null, '', '{', '42', 'null', '{"order":[1,"a"],"tiles":{"a":7}}']) {
      const j = TileLayout.parse(junk);
      expect(j.columns).toBe(3);
      expect(j.span('a')).toBe(1);
    }
    expect(TileLayout.parse('{"columns":9,"tiles":{"a":{"span":3}}}').columns).toBe(4);
    expect(TileLayout.parse('{"columns":9,"tiles":{"a":{"span":3}}}').span('a')).toBe(3);
  });

  it('forgets the oldest guests that are not running once it remembers too many', () => {
    const l = new TileLayout();
    const many = Array.from({ length: 70 }, (_, i) => `g${i}`);
    for (const g of many) l.arrange([g]);
    const order = (JSON.parse(l.serialize()) as { order: string[] }).order;
    expect(order.length).toBe(64);
    expect(order[0]).toBe('g6');
    // A running guest is never forgotten, however old.
    const k = new TileLayout();
    k.arrange(['keep']);
    for (const g of many) k.arrange(['keep', g]);
    expect((JSON.parse(k.serialize()) as { order: string[] }).order[0]).toBe('keep');
  });

  it('reset forgets places and sizes but keeps the columns', () => {
    const l = new TileLayout();
    l.columns = 2;
    l.arrange(['a', 'b']);
    l.moveTo('b', 'a');
    l.setSpan('a', 2);
    l.reset();
    expect(l.arrange(['a', 'b'])).toEqual(['a', 'b']);
    expect(l.span('a')).toBe(1);
    expect(l.columns).toBe(2);
  });
});

describe('spanAt: a dragged right edge snaps to the nearest column boundary', () => {
  // Columns 100 px wide with a 10 px gap, tile's left edge at 50: span n ends at 50 + 110n − 10.
  it.each([
    [60, 1],
    [150, 1],
    [200, 1],
    [210, 2],
    [250, 2],
    [360, 3],
    [999, 4],
    [-50, 1],
  ])('right edge at x=%i → span %i', (x, span) => {
    expect(spanAt(x, 50, 100, 10, 4)).toBe(span);
  });

  it('never spans more columns than the grid has', () => {
    expect(spanAt(999, 50, 100, 10, 2)).toBe(2);
  });
});
