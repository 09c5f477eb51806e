import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { KeyEvent, ScreenUpdate } from './api-types.ts';
import { controls } from './shared-styles.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * An HVM guest's display: its emulated VGA (text mode 80×25 or a Bochs VBE
 * framebuffer) drawn into a canvas from the dirty rectangles the worker
 * sends, about 30 times a second while the screen is on the page. Keys
 * pressed while it has focus go to the guest's PS/2 keyboard as make and
 * break codes (KeyboardEvent.code), so the guest sees a real keyboard;
 * Ctrl+] gives the keyboard back to the page.
 *
 * Why dirty regions rather than attachScreen (the worker painting into a
 * transferred OffscreenCanvas): both drain the same dirty tracking, and the
 * page also needs the text of a text-mode screen (for screen readers and
 * copy), which only screenUpdate carries.
 */

const FRAME_MS = 1000 / 30;
const RETRY_MS = 1000;

/** Keys the page would otherwise act on (scrolling, focus moves, history). */
const CAPTURED = new Set([
  'Tab',
  'Space',
  'Backspace',
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'PageUp',
  'PageDown',
  'Home',
  'End',
  'Slash',
  'Quote',
  'F1',
  'F3',
  'F5',
  'F6',
  'F7',
  'F10',
  'F11',
  'F12',
]);

@customElement('vm-screen')
export class VmScreen extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: flex;
        align-items: center;
        justify-content: center;
        position: relative;
        background: #000;
        min-height: 80px;
        outline: none;
      }
      .display {
        position: absolute;
        inset: 0;
        display: flex;
        align-items: center;
        justify-content: center;
        cursor: text;
      }
      .display:focus-visible,
      .display:focus {
        outline: 3px solid var(--tv-focus, #f29e0c);
        outline-offset: -3px;
      }
      canvas {
        width: 100%;
        height: 100%;
        object-fit: contain;
        display: block;
      }
      .message {
        position: absolute;
        inset: 0;
        display: grid;
        place-items: center;
        color: #aab4c3;
        font-size: 0.9rem;
        text-align: center;
        padding: 1rem;
      }
      .hint {
        position: absolute;
        left: 0.5rem;
        bottom: 0.4rem;
        font-size: 0.72rem;
        color: #fff;
        background: #2456c9e0;
        padding: 0.1rem 0.45rem;
        border-radius: 4px;
        pointer-events: none;
      }
    `,
  ];

  @property({ reflect: true }) domain = '';
  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private mode: ScreenUpdate['mode'] | 'none' | 'off' | 'wait' = 'wait';
  @state() private focused = false;
  /** The characters on a text-mode screen (kept for screen readers and tests). */
  @state() text = '';
  private width = 0;
  private height = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private visible = true;
  private observer: IntersectionObserver | null = null;
  private held = new Set<string>();
  private keyQueue: KeyEvent[] = [];
  private sending = false;
  /** Updates received (tests: the loop is alive). */
  frames = 0;

  override render() {
    const label = `Screen of ${this.domain}${this.focused ? ' (keyboard captured: Ctrl+] releases it)' : ''}`;
    return html`<div
        class="display"
        tabindex="0"
        role="application"
        aria-label=${label}
        aria-roledescription="virtual machine screen"
        @keydown=${this.onKey}
        @keyup=${this.onKey}
        @focus=${() => (this.focused = true)}
        @blur=${this.onBlur}
        @mousedown=${this.onPointer}
      >
        <canvas aria-hidden="true"></canvas>
      </div>
      ${this.message()}
      ${
        this.focused && this.mode !== 'off' && this.mode !== 'none'
          ? html`<div class="hint">Keyboard → ${this.domain} · Ctrl+] to release</div>`
          : nothing
      }
      <pre class="visually-hidden" aria-live="off">${this.text}</pre>`;
  }

  private message() {
    switch (this.mode) {
      case 'wait':
        return html`<div class="message">Connecting to ${this.domain}'s display…</div>`;
      case 'off':
        return html`<div class="message">${this.domain} is not running.</div>`;
      case 'none':
        return html`<div class="message">
          ${this.domain} has no emulated display (a PV guest, or vga = "none"): use its console.
        </div>`;
      case 'blank':
        return html`<div class="message">The display is blank (the guest turned it off).</div>`;
      default:
        return nothing;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.observer = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible) this.schedule(0);
    });
    this.observer.observe(this);
    this.running = true;
    this.schedule(0, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.running = false;
    clearTimeout(this.timer);
    this.observer?.disconnect();
    this.releaseKeys();
  }

  override updated(changed: Map<string, unknown>): void {
    if ((changed.has('domain') && changed.get('domain') !== undefined) || changed.has('client')) {
      this.width = 0;
      this.schedule(0, true);
    }
  }

  private full = true;

  private schedule(ms: number, full = false): void {
    if (full) this.full = true;
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    const c = this.client;
    if (!c || !this.domain || !this.running) return;
    if (!this.visible) return; // the observer restarts the loop
    const full = this.full;
    this.full = false;
    let u: ScreenUpdate | null;
    try {
      u = await c.api.screenUpdate(this.domain, full);
    } catch {
      this.mode = 'off';
      this.width = 0;
      this.schedule(RETRY_MS, true);
      return;
    }
    if (u === null) {
      this.mode = 'none';
      this.schedule(RETRY_MS * 3, true);
      return;
    }
    this.paint(u);
    this.schedule(FRAME_MS);
  }

  /** Draw the rectangles that changed. */
  paint(u: ScreenUpdate): void {
    this.frames++;
    this.mode = u.mode;
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    if (u.width !== this.width || u.height !== this.height || canvas.width !== u.width) {
      this.width = canvas.width = u.width;
      this.height = canvas.height = u.height;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    for (const r of u.regions) {
      if (r.w > 0 && r.h > 0)
        ctx.putImageData(new ImageData(new Uint8ClampedArray(r.pixels), r.w, r.h), r.x, r.y);
    }
    if (u.mode === 'text') {
      if (u.text !== this.text) this.text = u.text;
    } else if (this.text) {
      this.text = '';
    }
  }

  private readonly onPointer = (e: MouseEvent): void => {
    // A click focuses the display (the tile shows which screen has the keyboard).
    e.preventDefault();
    this.focusDisplay();
  };

  focusDisplay(): void {
    this.renderRoot.querySelector<HTMLElement>('.display')?.focus();
  }

  override focus(): void {
    this.focusDisplay();
  }

  private readonly onBlur = (): void => {
    this.focused = false;
    this.releaseKeys();
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (this.mode === 'off' || this.mode === 'none' || !e.code) return;
    const down = e.type === 'keydown';
    // Ctrl+] (the escape of xl console): give the keyboard back to the page.
    if (down && e.ctrlKey && e.code === 'BracketRight') {
      e.preventDefault();
      this.releaseKeys();
      this.renderRoot.querySelector<HTMLElement>('.display')?.blur();
      this.dispatchEvent(new CustomEvent('release-keyboard', { bubbles: true, composed: true }));
      return;
    }
    if (CAPTURED.has(e.code) || e.ctrlKey || e.altKey || e.metaKey) e.preventDefault();
    e.stopPropagation();
    if (down) this.held.add(e.code);
    else this.held.delete(e.code);
    this.queue({ code: e.code, down });
  };

  /** Keys still held when focus leaves are released, or the guest sees them stuck. */
  private releaseKeys(): void {
    for (const code of this.held) this.queue({ code, down: false });
    this.held.clear();
  }

  private queue(k: KeyEvent): void {
    this.keyQueue.push(k);
    void this.flushKeys();
  }

  /** Keys in order, batched while a send is in flight. */
  private async flushKeys(): Promise<void> {
    if (this.sending || !this.client) return;
    this.sending = true;
    try {
      while (this.keyQueue.length > 0) {
        const batch = this.keyQueue.splice(0);
        await this.client.api.sendKeys(this.domain, batch).catch(() => []);
      }
    } finally {
      this.sending = false;
    }
    // Something may have been queued after the last check; make sure it leaves.
    if (this.keyQueue.length > 0) void this.flushKeys();
    else this.schedule(0);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-screen': VmScreen;
  }
}
