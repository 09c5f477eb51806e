import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ScreenGrid } from '../../src/ui/screen-grid';
import { themeTokens } from '../../src/ui/shared-styles';
import type { VmServerClient } from '../../src/ui/vm-server-client';
import type { VmTile } from '../../src/ui/vm-tile';
import { bootedClient, mount, until } from './helpers/booted-client';

const LAYOUT_KEY = 'test:screen-grid-layout';
const GUESTS = ['sprout-hvm', 'sprout-hvm2', 'sprout-pv'];

/** A grid on the page, with the desktop's colour tokens (<tabvisor-app> sets them). */
function mountGrid(): ScreenGrid {
  const grid = mount(new ScreenGrid(), 1260, 640);
  const t = themeTokens.cssText;
  grid.parentElement?.setAttribute(
    'style',
    `${grid.parentElement.getAttribute('style') ?? ''};${t.slice(t.indexOf('{') + 1, t.lastIndexOf('}'))}`,
  );
  grid.layoutKey = LAYOUT_KEY;
  return grid;
}

describe('<screen-grid>: three guests side by side', () => {
  let client: VmServerClient;
  let grid: ScreenGrid;
  const tiles = (): VmTile[] => [...(grid.shadowRoot?.querySelectorAll('vm-tile') ?? [])];
  const tile = (name: string): VmTile => {
    const t = tiles().find((x) => x.domain === name);
    if (!t) throw new Error(`no tile ${name}`);
    return t;
  };
  const part = <T extends Element = HTMLElement>(name: string, sel: string): T => {
    const el = tile(name).shadowRoot?.querySelector<T>(sel);
    if (!el) throw new Error(`no ${sel} in ${name}`);
    return el;
  };
  const box = (name: string): DOMRect => tile(name).getBoundingClientRect();
  /** The tiles as the eye reads them: rows top to bottom, left to right. */
  const reading = (): string[] =>
    tiles()
      .filter((t) => t.getBoundingClientRect().width > 0)
      .sort((a, b) => {
        const ra = a.getBoundingClientRect();
        const rb = b.getBoundingClientRect();
        return Math.round(ra.top - rb.top) || ra.left - rb.left;
      })
      .map((t) => t.domain);
  const gridBox = (): HTMLElement => grid.shadowRoot?.querySelector('.grid') as HTMLElement;
  /** One column's width and the gap, as laid out now. */
  const columns = (): { col: number; gap: number } => {
    const g = gridBox();
    const gap = parseFloat(getComputedStyle(g).columnGap);
    const n = getComputedStyle(g).gridTemplateColumns.split(' ').length;
    return { col: (g.getBoundingClientRect().width - gap * (n - 1)) / n, gap };
  };
  /** A real pointer drag (Playwright's mouse: down, move, up) from `source` to a page point. */
  const dragTo = async (source: Element, x: number, y: number): Promise<void> => {
    const g = gridBox().getBoundingClientRect();
    await userEvent.dragAndDrop(source, gridBox(), {
      targetPosition: { x: x - g.left, y: y - g.top },
    });
  };
  const near = (a: number, b: number, tolerance = 3): boolean => Math.abs(a - b) <= tolerance;
  const focusedIn = (name: string): Element | null => tile(name).shadowRoot?.activeElement ?? null;

  beforeAll(async () => {
    localStorage.removeItem(LAYOUT_KEY);
    client = await bootedClient();
    for (const n of GUESTS) expect((await client.api.run(`xl create ${n}`)).status).toBe(0);
    await client.refresh();
    grid = mountGrid();
    grid.client = client;
  });
  afterAll(() => {
    grid?.remove();
    client?.dispose();
    localStorage.removeItem(LAYOUT_KEY);
  });

  it('tiles every running guest: screens and consoles for HVM, the console for PV', async () => {
    await until(() => tiles().length === 3, 'three tiles');
    await until(() => tile('sprout-hvm2').screen?.text.includes('mode: HVM') ?? false, 'a screen');
    expect(tile('sprout-pv').screen).toBeNull();
    await until(() => tile('sprout-pv').console?.text().includes('mode: PV') ?? false, 'a console');
    // Side by side: one row, three columns.
    const tops = new Set(tiles().map((t) => Math.round(t.getBoundingClientRect().top)));
    expect(tops.size).toBe(1);
    expect(reading()).toEqual(GUESTS);
  });

  it('gives the keyboard to the screen clicked, and shows which tile has it', async () => {
    const a = tile('sprout-hvm');
    const b = tile('sprout-hvm2');
    const border = (t: VmTile) =>
      getComputedStyle(t.shadowRoot?.querySelector('.frame') as Element).borderTopColor;
    const plain = border(b);
    await userEvent.click(a.screen as HTMLElement);
    await until(() => a.keyboard, 'tile a marked');
    expect(b.keyboard).toBe(false);
    // Obvious: the tile with the keyboard has the focus colour all round and says so.
    expect(border(a)).toBe('rgb(242, 158, 12)');
    expect(border(b)).toBe(plain);
    expect(a.shadowRoot?.querySelector('.kbd')?.textContent).toContain('keyboard');
    await userEvent.keyboard('to a{Enter}');
    await userEvent.click(b.screen as HTMLElement);
    await until(() => b.keyboard && !a.keyboard, 'the keyboard moved to b');
    await userEvent.keyboard('to b{Enter}');
    await until(() => a.screen?.text.includes('you said: to a') ?? false, 'a answered');
    await until(() => b.screen?.text.includes('you said: to b') ?? false, 'b answered');
    expect(a.screen?.text).not.toContain('to b');
    // Ctrl+] gives the keyboard back.
    await userEvent.keyboard('{Control>}]{/Control}');
    await until(() => !b.keyboard, 'released');
  });

  it('maximises one tile and restores the grid, by button and by Escape', async () => {
    const pv = tile('sprout-pv');
    const max = pv.shadowRoot?.querySelector<HTMLButtonElement>(
      'button[aria-label="Maximise sprout-pv"]',
    );
    await userEvent.click(max as HTMLButtonElement);
    await until(() => pv.maximised, 'maximised');
    expect(tile('sprout-hvm').getBoundingClientRect().width).toBe(0);
    expect(pv.getBoundingClientRect().width).toBeGreaterThan(1200);
    // No resize handles on a maximised tile.
    expect(pv.shadowRoot?.querySelector('.edge')).toBeNull();
    const restore = pv.shadowRoot?.querySelector<HTMLButtonElement>(
      'button[aria-label="Restore sprout-pv"]',
    );
    await userEvent.click(restore as HTMLButtonElement);
    await until(() => tile('sprout-hvm').getBoundingClientRect().width > 0, 'restored');

    // Escape restores — but Escape typed into a guest's screen is the guest's.
    const hvm = tile('sprout-hvm');
    await userEvent.dblClick(part('sprout-hvm', '.name'));
    await until(() => hvm.maximised, 'maximised by double-clicking the title bar');
    await userEvent.click(hvm.screen as HTMLElement);
    await until(() => hvm.keyboard, 'the screen has the keyboard');
    await userEvent.keyboard('{Escape}');
    await new Promise((r) => setTimeout(r, 100));
    expect(hvm.maximised).toBe(true);
    await userEvent.keyboard('{Control>}]{/Control}');
    await until(() => !hvm.keyboard, 'released');
    await userEvent.keyboard('{Escape}');
    await until(() => !hvm.maximised, 'Escape restored it');
    expect(reading()).toEqual(GUESTS);
  });

  it('widens a tile by dragging its right edge, snapping to whole columns, and resizes from the corner', async () => {
    const { col, gap } = columns();
    const hvm = box('sprout-hvm');
    expect(near(hvm.width, col)).toBe(true);
    const edge = part('sprout-hvm', '.edge.width');
    expect(edge.getAttribute('aria-valuenow')).toBe('1');
    // Let go a little short of the second column's right edge: it snaps to two columns.
    await dragTo(edge, hvm.left + 2 * col + gap - 30, hvm.top + 200);
    await until(() => near(box('sprout-hvm').width, 2 * col + gap), 'two columns wide');
    expect(edge.getAttribute('aria-valuenow')).toBe('2');
    // The next tile takes the third column; the last goes to a second row.
    expect(near(box('sprout-hvm2').left, hvm.left + 2 * (col + gap))).toBe(true);
    expect(box('sprout-pv').top).toBeGreaterThan(box('sprout-hvm').bottom);

    // The corner: back to one column, and 500 px tall.
    const corner = part('sprout-hvm', '.corner');
    await dragTo(corner, hvm.left + col - 10, hvm.top + 500);
    await until(() => near(box('sprout-hvm').width, col), 'one column again');
    expect(near(box('sprout-hvm').height, 500, 1)).toBe(true);
    expect(tile('sprout-hvm').tileHeight).toBe(500);
    expect(reading()).toEqual(GUESTS);
  });

  it('resizes from the keyboard: Alt+Shift+arrows on the title bar, arrows on a focused edge', async () => {
    const { col, gap } = columns();
    tile('sprout-hvm2').focusHeader();
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowRight}{/Shift}{/Alt}');
    await until(() => near(box('sprout-hvm2').width, 2 * col + gap), 'two columns');
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowRight}{/Shift}{/Alt}');
    await until(() => near(box('sprout-hvm2').width, 3 * col + 2 * gap), 'three columns');
    // No wider than the grid.
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowRight}{/Shift}{/Alt}');
    await new Promise((r) => setTimeout(r, 50));
    expect(near(box('sprout-hvm2').width, 3 * col + 2 * gap)).toBe(true);
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowLeft}{/Shift}{/Alt}');
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowLeft}{/Shift}{/Alt}');
    await until(() => near(box('sprout-hvm2').width, col), 'one column');
    // Taller by a step, from its height now.
    const h = box('sprout-hvm2').height;
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowDown}{/Shift}{/Alt}');
    await until(() => near(box('sprout-hvm2').height, h + 40, 1), '40 px taller');
    // Focus stayed on the title bar throughout.
    expect(focusedIn('sprout-hvm2')?.localName).toBe('header');

    const edge = part('sprout-pv', '.edge.width');
    edge.focus();
    await userEvent.keyboard('{ArrowRight}');
    await until(() => near(box('sprout-pv').width, 2 * col + gap), 'the edge widened it');
    expect(edge.getAttribute('aria-valuetext')).toBe('2 of 3 columns');
    await userEvent.keyboard('{Home}');
    await until(() => near(box('sprout-pv').width, col), 'Home: one column');
    const bottom = part('sprout-pv', '.edge.height');
    bottom.focus();
    const pvh = box('sprout-pv').height;
    await userEvent.keyboard('{ArrowUp}');
    await until(() => near(box('sprout-pv').height, pvh - 40, 1), 'the lower edge shortened it');
    await userEvent.keyboard('{Home}');
    await until(() => tile('sprout-pv').tileHeight === null, 'Home: row height');
  });

  it('rearranges by dragging a title bar onto another tile’s place', async () => {
    expect(reading()).toEqual(GUESTS);
    const hvm = box('sprout-hvm');
    await dragTo(part('sprout-pv', '.name'), hvm.left + 60, hvm.top + 15);
    await until(() => reading()[0] === 'sprout-pv', 'the PV guest first');
    expect(reading()).toEqual(['sprout-pv', 'sprout-hvm', 'sprout-hvm2']);
    // Dropped on no tile: nothing moves.
    await dragTo(part('sprout-hvm2', '.name'), gridBox().getBoundingClientRect().right - 5, 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(reading()).toEqual(['sprout-pv', 'sprout-hvm', 'sprout-hvm2']);
    expect(tile('sprout-hvm2').hasAttribute('dragging')).toBe(false);
    // The DOM keeps its order (nothing detached); the visual order is CSS order.
    expect(tiles().map((t) => t.domain)).toEqual(GUESTS);
  });

  it('moves the focused tile with Alt+←/→, keeping the focus on it', async () => {
    tile('sprout-pv').focusHeader();
    await userEvent.keyboard('{Alt>}{ArrowRight}{/Alt}');
    await until(() => reading()[1] === 'sprout-pv', 'one place later');
    expect(reading()).toEqual(['sprout-hvm', 'sprout-pv', 'sprout-hvm2']);
    await userEvent.keyboard('{Alt>}{ArrowRight}{/Alt}');
    await until(() => reading()[2] === 'sprout-pv', 'last');
    // Already last: stays.
    await userEvent.keyboard('{Alt>}{ArrowRight}{/Alt}');
    await userEvent.keyboard('{Alt>}{ArrowLeft}{/Alt}');
    await until(() => reading()[1] === 'sprout-pv', 'one place earlier');
    expect(focusedIn('sprout-pv')?.localName).toBe('header');
    expect(grid.shadowRoot?.querySelector('[role="status"]')?.textContent).toContain(
      'sprout-pv moved to place 2 of 3',
    );
    // Tab follows the places, not the DOM (reading-flow: grid-order): from the first
    // tile's last stop (its lower edge) to the second tile's title bar.
    part('sprout-hvm', '.edge.height').focus();
    await userEvent.keyboard('{Tab}');
    expect(focusedIn('sprout-pv')?.localName).toBe('header');
  });

  it('keeps the arrangement across a re-render and a guest restart', async () => {
    const { col, gap } = columns();
    tile('sprout-hvm2').focusHeader();
    await userEvent.keyboard('{Alt>}{Shift>}{ArrowRight}{/Shift}{/Alt}');
    await until(() => near(box('sprout-hvm2').width, 2 * col + gap), 'hvm2 two columns');
    const before = reading();
    expect(before).toEqual(['sprout-hvm', 'sprout-pv', 'sprout-hvm2']);
    const height = tile('sprout-hvm').tileHeight;
    expect(height).toBe(500);

    // A new grid (a reload of the page) reads it back.
    grid.remove();
    grid = mountGrid();
    grid.client = client;
    await until(() => tiles().length === 3, 'three tiles again');
    expect(reading()).toEqual(before);
    expect(near(box('sprout-hvm2').width, 2 * col + gap)).toBe(true);
    expect(near(box('sprout-hvm').height, 500, 1)).toBe(true);

    // The guest goes and comes back with a new domid: same place, same size.
    const id = client.domain('sprout-hvm2')?.id;
    expect((await client.run('xl destroy sprout-hvm2')).status).toBe(0);
    await until(() => tiles().length === 2, 'its tile gone');
    expect(reading()).toEqual(['sprout-hvm', 'sprout-pv']);
    expect((await client.run('xl create sprout-hvm2')).status).toBe(0);
    await until(() => tiles().length === 3, 'back');
    expect(client.domain('sprout-hvm2')?.id).not.toBe(id);
    // The client lists it last by domid; its place is where it was.
    expect(client.domains.at(-1)?.name).toBe('sprout-hvm2');
    expect(reading()).toEqual(before);
    expect(near(box('sprout-hvm2').width, 2 * col + gap)).toBe(true);

    // Reset layout: first-seen order, one column each, row height.
    await userEvent.click(grid.shadowRoot?.querySelector('button.reset') as HTMLElement);
    await until(() => near(box('sprout-hvm2').width, col), 'reset');
    expect(tile('sprout-hvm').tileHeight).toBeNull();
    expect(JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? '{}')).toMatchObject({ tiles: {} });
  });
});
