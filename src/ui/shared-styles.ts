import { css } from 'lit';

/**
 * Styles every desktop component shares: the colour tokens (set once on
 * <tabvisor-app>, inherited through shadow roots as custom properties),
 * buttons, fields and the visible focus ring keyboard users rely on.
 */
export const themeTokens = css`
  :host {
    --tv-bg: #f4f6f9;
    --tv-panel: #ffffff;
    --tv-panel-2: #f8fafc;
    --tv-border: #d8dee8;
    --tv-text: #1c2430;
    --tv-muted: #5b6778;
    --tv-accent: #2456c9;
    --tv-accent-soft: #e5edfc;
    --tv-focus: #f29e0c;
    /* --tv-ok and --tv-hvm reach 4.5:1 (WCAG 2 SC 1.4.3) on their soft tints and white. */
    --tv-ok: #1c7b4b;
    --tv-warn: #9a6100;
    --tv-error: #b42318;
    --tv-hvm: #b2500b;
    --tv-hvm-soft: #fdf0e4;
    --tv-pv: #0f7a72;
    --tv-pv-soft: #e2f4f2;
    --tv-host: #5146b8;
    --tv-host-soft: #ecebfa;
    --tv-vmm: #334155;
    --tv-mono: ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace;
    --tv-radius: 8px;
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'DejaVu Sans',
      sans-serif;
    color: var(--tv-text);
  }
`;

export const controls = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button {
    font: inherit;
    font-size: 0.85rem;
    border: 1px solid var(--tv-border);
    background: var(--tv-panel);
    color: var(--tv-text);
    border-radius: 6px;
    padding: 0.3rem 0.65rem;
    cursor: pointer;
    line-height: 1.2;
  }
  button:hover:not(:disabled) {
    background: var(--tv-accent-soft);
    border-color: var(--tv-accent);
  }
  button:disabled {
    opacity: 0.45;
    cursor: not-allowed;
  }
  button.primary {
    background: var(--tv-accent);
    border-color: var(--tv-accent);
    color: #fff;
  }
  button.primary:hover:not(:disabled) {
    background: #1b45a6;
  }
  button.danger {
    color: var(--tv-error);
  }
  button.danger:hover:not(:disabled) {
    background: #fde8e7;
    border-color: var(--tv-error);
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--tv-text);
    border: 1px solid var(--tv-border);
    border-radius: 6px;
    padding: 0.35rem 0.5rem;
    background: #fff;
  }
  :focus-visible {
    outline: 3px solid var(--tv-focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .badge {
    display: inline-block;
    font-size: 0.7rem;
    font-weight: 600;
    letter-spacing: 0.03em;
    padding: 0.08rem 0.4rem;
    border-radius: 999px;
    text-transform: uppercase;
    vertical-align: middle;
  }
  .badge.hvm {
    background: var(--tv-hvm-soft);
    color: var(--tv-hvm);
  }
  .badge.pv {
    background: var(--tv-pv-soft);
    color: var(--tv-pv);
  }
  .badge.host {
    background: var(--tv-host-soft);
    color: var(--tv-host);
  }
  .panel {
    background: var(--tv-panel);
    border: 1px solid var(--tv-border);
    border-radius: var(--tv-radius);
  }
  h2 {
    font-size: 1rem;
    margin: 0 0 0.5rem;
  }
  .muted {
    color: var(--tv-muted);
  }
`;

/** A component that is one desktop panel: a block, padded inside the `.panel` frame of `controls`. */
export const panel = css`
  :host {
    display: block;
  }
  .panel {
    padding: 0.8rem 0.9rem;
  }
`;

/** A compact ruled table: small upper-case headers, numbers (`td.num`) right-aligned in monospace. */
export const dataTable = css`
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.78rem;
  }
  th,
  td {
    padding: 0.2rem 0.4rem;
    border-top: 1px solid var(--tv-border);
    text-align: left;
    white-space: nowrap;
  }
  th {
    font-size: 0.68rem;
    text-transform: uppercase;
    color: var(--tv-muted);
  }
  td.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
    font-family: var(--tv-mono);
  }
`;
