import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BootProgress } from './api-types.ts';
import { controls } from './shared-styles.ts';
import type { VmServerClient } from './vm-server-client.ts';

/**
 * The boot sequence as it happens (DESIGN.md "What it is"): the VMM loads,
 * starts the VM server as Domain-0 in privileged mode, the VM server finds
 * the host hardware, then the guests marked autostart come up. Each step
 * lights up when the worker reports it; stages the worker adds later (host
 * disk, network) appear as they are reported.
 */

interface Step {
  readonly stage: string;
  readonly title: string;
  readonly explain: string;
}

const STEPS: readonly Step[] = [
  {
    stage: 'vmm',
    title: 'Load the VMM',
    explain: 'The hypervisor starts in a Web Worker: scheduler, memory, event channels.',
  },
  {
    stage: 'dom0',
    title: 'Start the VM server (Domain-0)',
    explain: 'The privileged domain: toolstack, xenstore, device models and back ends.',
  },
  {
    stage: 'storage',
    title: 'Find the host hardware',
    explain: 'The VM server owns the host machine: memory, CPUs, the host disk and network.',
  },
  {
    stage: 'autostart',
    title: 'Start guests marked autostart',
    explain: 'Every /etc/xen/vm definition with autostart = 1, as xl create would.',
  },
  { stage: 'ready', title: 'Ready', explain: 'The desktop opens.' },
];

type StepState = 'pending' | 'running' | 'done' | 'error';

@customElement('boot-view')
export class BootView extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: grid;
        place-items: center;
        min-height: 100%;
        padding: 1.5rem;
      }
      .card {
        width: min(720px, 100%);
        padding: 1.5rem 1.75rem;
      }
      h1 {
        margin: 0 0 0.25rem;
        font-size: 1.4rem;
      }
      ol {
        list-style: none;
        margin: 1rem 0 0;
        padding: 0;
      }
      li.step {
        display: grid;
        grid-template-columns: 2rem 1fr;
        gap: 0.25rem 0.5rem;
        padding: 0.55rem 0;
        border-top: 1px solid var(--tv-border);
      }
      .icon {
        width: 1.5rem;
        height: 1.5rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        font-size: 0.85rem;
        font-weight: 700;
        border: 2px solid var(--tv-border);
        color: var(--tv-muted);
      }
      [data-state='running'] .icon {
        border-color: var(--tv-accent);
        border-top-color: transparent;
        animation: spin 0.9s linear infinite;
      }
      [data-state='done'] .icon {
        background: var(--tv-ok);
        border-color: var(--tv-ok);
        color: #fff;
      }
      [data-state='error'] .icon {
        background: var(--tv-error);
        border-color: var(--tv-error);
        color: #fff;
      }
      [data-state='pending'] .title {
        color: var(--tv-muted);
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        [data-state='running'] .icon {
          animation: none;
        }
      }
      .title {
        font-weight: 600;
      }
      .explain {
        font-size: 0.85rem;
      }
      ul.messages {
        grid-column: 2;
        list-style: none;
        margin: 0.25rem 0 0;
        padding: 0;
        font-family: var(--tv-mono);
        font-size: 0.8rem;
      }
      ul.messages li {
        padding: 0.1rem 0;
      }
      ul.messages .t {
        color: var(--tv-muted);
        display: inline-block;
        min-width: 4.5rem;
      }
      ul.messages li.error {
        color: var(--tv-error);
      }
      .actions {
        margin-top: 1rem;
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      .failure {
        color: var(--tv-error);
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  /** Lines about the host hardware, filled in by the app once the VM server answers. */
  @property({ attribute: false }) hardware: readonly string[] = [];
  /** Boot failed altogether (the worker threw). */
  @property() failure = '';
  @state() private progress: readonly BootProgress[] = [];

  private readonly onBoot = (): void => {
    this.progress = [...(this.client?.progress ?? [])];
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.client?.addEventListener('boot', this.onBoot);
    this.onBoot();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.removeEventListener('boot', this.onBoot);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('client')) {
      const old = changed.get('client') as VmServerClient | null | undefined;
      old?.removeEventListener('boot', this.onBoot);
      if (this.isConnected) this.client?.addEventListener('boot', this.onBoot);
      this.progress = [...(this.client?.progress ?? [])];
    }
  }

  private stepState(stage: string): StepState {
    const mine = this.progress.filter((p) => p.stage === stage);
    if (mine.length === 0 && stage === 'storage') {
      // A VM server that reports no storage stage: the app's hardware lines stand in for it.
      if (this.hardware.length > 0) return 'done';
      return this.progress.some((p) => p.stage === 'dom0' && p.status === 'done')
        ? 'running'
        : 'pending';
    }
    if (mine.length === 0) return 'pending';
    // A stage has finished when a later one has begun (the worker reports in order).
    const first = this.progress.findIndex((p) => p.stage === stage);
    const finished = stage === 'ready' || this.progress.slice(first).some((p) => p.stage !== stage);
    if (!finished) return 'running';
    return mine.some((p) => p.status === 'error') ? 'error' : 'done';
  }

  private messages(stage: string) {
    const extra =
      stage === 'storage'
        ? this.hardware.map((m) => html`<li><span class="t"></span>${m}</li>`)
        : [];
    return [...this.messageItems(stage), ...extra];
  }

  private messageItems(stage: string) {
    return this.progress
      .filter((p) => p.stage === stage)
      .map(
        (p) =>
          html`<li class=${p.status}>
            <span class="t">${(p.timeMs / 1000).toFixed(3)}s</span>${
              p.status === 'error' ? 'error: ' : ''
            }${p.message}
          </li>`,
      );
  }

  /** Stages reported by the worker that this view has no step for (shown before "ready"). */
  private extraSteps(): Step[] {
    const known = new Set(STEPS.map((s) => s.stage));
    const extra: Step[] = [];
    for (const p of this.progress) {
      if (!known.has(p.stage) && !extra.some((s) => s.stage === p.stage))
        extra.push({ stage: p.stage, title: p.stage, explain: '' });
    }
    return extra;
  }

  override render() {
    const steps = [...STEPS.slice(0, 3), ...this.extraSteps(), ...STEPS.slice(3)];
    const ready = this.progress.some((p) => p.stage === 'ready');
    const errors = this.progress.filter((p) => p.status === 'error').length;
    return html`<section class="card panel" aria-labelledby="boot-title">
      <h1 id="boot-title">Booting Tabvisor</h1>
      <p class="muted">A Xen-style VM server, running entirely in this browser tab.</p>
      <ol aria-live="polite" aria-label="Boot sequence">
        ${steps.map((s) => {
          const st = this.stepState(s.stage);
          return html`<li class="step" data-stage=${s.stage} data-state=${st}>
            <span class="icon" aria-hidden="true"
              >${st === 'done' ? '✓' : st === 'error' ? '!' : ''}</span
            >
            <div>
              <div class="title">${s.title}<span class="visually-hidden"> (${st})</span></div>
              ${s.explain ? html`<div class="explain muted">${s.explain}</div>` : nothing}
            </div>
            <ul class="messages">
              ${this.messages(s.stage)}
            </ul>
          </li>`;
        })}
      </ol>
      ${
        this.failure
          ? html`<p class="failure" role="alert">The VM server could not boot: ${this.failure}</p>`
          : nothing
      }
      ${
        ready
          ? html`<div class="actions">
              <button
                class="primary"
                @click=${() => this.dispatchEvent(new CustomEvent('continue'))}
              >
                Open the desktop
              </button>
              ${
                errors > 0
                  ? html`<span class="failure"
                      >${errors} problem${errors > 1 ? 's' : ''} during boot (details above)</span
                    >`
                  : nothing
              }
            </div>`
          : nothing
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'boot-view': BootView;
  }
}
