import { Terminal, type ITheme } from '@xterm/xterm';

/**
 * An xterm.js terminal living in a component's shadow root: opened once its
 * box has a size (xterm measures its font on open), refitted to whole
 * character cells whenever the box changes, and disposed with the component.
 * The dom0 terminal and the guest consoles both use it.
 */

export const TERMINAL_THEME: ITheme = {
  background: '#10151d',
  foreground: '#d7dde6',
  cursor: '#f29e0c',
  selectionBackground: '#35507a',
  black: '#10151d',
  brightBlack: '#5b6778',
};

export const TERMINAL_FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/** The private cell size xterm's renderer measured (what xterm's own fit add-on reads). */
interface RendererDimensions {
  _core?: {
    _renderService?: { dimensions?: { css?: { cell?: { width: number; height: number } } } };
  };
}

export class TerminalHost {
  readonly terminal: Terminal;
  private opened = false;
  private disposed = false;
  /** Keep the newest output in view, unless the reader scrolled back on purpose. */
  private following = true;
  private readonly observer: ResizeObserver;
  private onOpen: (() => void)[] = [];

  constructor(
    private readonly box: HTMLElement,
    options: { fontSize?: number; label: string },
  ) {
    this.terminal = new Terminal({
      fontFamily: TERMINAL_FONT,
      fontSize: options.fontSize ?? 13,
      theme: TERMINAL_THEME,
      convertEol: true,
      cursorBlink: true,
      scrollback: 2000,
      cols: 80,
      rows: 24,
    });
    this.observer = new ResizeObserver(() => this.layout(options.label));
    this.observer.observe(box);
    // Only the reader's own scrolling (wheel, keys, the scroll bar) decides whether to follow the
    // output: xterm also sees the scroll position the browser resets when a tab hides the box,
    // and would stay "scrolled back" from then on.
    const reader = (): void => {
      setTimeout(() => {
        const b = this.terminal.buffer.active;
        this.following = b.viewportY >= b.baseY;
      }, 0);
    };
    box.addEventListener('wheel', reader, { passive: true });
    // Keys that scroll xterm's view (Shift+PageUp and friends); typing is no scrolling.
    box.addEventListener('keyup', (e) => {
      if (/^(PageUp|PageDown|Home|End|ArrowUp|ArrowDown)$/.test(e.key) && e.shiftKey) reader();
    });
    // A click that gives the terminal focus is no scrolling; a drag of its scroll bar is.
    box.addEventListener('pointerup', (e) => {
      if (e.target instanceof Element && e.target.closest('.scrollbar')) reader();
    });
  }

  /** Output for the terminal; it stays in view while the reader follows it. */
  write(data: string | Uint8Array): void {
    this.terminal.write(data, () => {
      // Only while open: before open() and after dispose() xterm has no renderer to scroll.
      if (this.following && this.opened && !this.disposed) this.terminal.scrollToBottom();
    });
  }

  /** Run `fn` once the terminal is open (now, if it already is). */
  whenOpen(fn: () => void): void {
    if (this.opened) fn();
    else this.onOpen.push(fn);
  }

  get isOpen(): boolean {
    return this.opened;
  }

  private layout(label: string): void {
    if (this.box.clientWidth < 20 || this.box.clientHeight < 20) return;
    if (!this.opened) {
      this.terminal.open(this.box);
      this.terminal.textarea?.setAttribute('aria-label', label);
      this.opened = true;
      for (const fn of this.onOpen.splice(0)) fn();
    }
    this.fit();
  }

  /** Resize to the whole cells that fit the box. */
  fit(): void {
    if (!this.opened) return;
    const cell = (this.terminal as unknown as RendererDimensions)._core?._renderService?.dimensions
      ?.css?.cell;
    if (!cell || cell.width <= 0 || cell.height <= 0) return;
    const style = getComputedStyle(this.box);
    const padX = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const padY = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    // Leave room for the scroll bar xterm draws at the right.
    const cols = Math.max(20, Math.floor((this.box.clientWidth - padX - 14) / cell.width));
    const rows = Math.max(4, Math.floor((this.box.clientHeight - padY) / cell.height));
    if (cols !== this.terminal.cols || rows !== this.terminal.rows)
      this.terminal.resize(cols, rows);
  }

  /** The visible lines as text (tests, and a text alternative). */
  text(): string {
    const b = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines.join('\n');
  }

  dispose(): void {
    this.disposed = true;
    this.observer.disconnect();
    this.terminal.dispose();
  }
}
