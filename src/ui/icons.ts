import { html } from 'lit';

/** Small line icons (inline SVG: no icon font to load, and they follow currentColor). */

export const maximiseIcon = html`<svg
  width="14"
  height="14"
  viewBox="0 0 16 16"
  aria-hidden="true"
  fill="none"
  stroke="currentColor"
  stroke-width="1.8"
  stroke-linecap="round"
>
  <path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" />
</svg>`;

export const restoreIcon = html`<svg
  width="14"
  height="14"
  viewBox="0 0 16 16"
  aria-hidden="true"
  fill="none"
  stroke="currentColor"
  stroke-width="1.8"
  stroke-linecap="round"
>
  <path d="M6 2v4H2M10 2v4h4M10 14v-4h4M6 14v-4H2" />
</svg>`;

export const keyboardIcon = html`<svg
  width="14"
  height="12"
  viewBox="0 0 16 12"
  aria-hidden="true"
  fill="none"
  stroke="currentColor"
  stroke-width="1.4"
>
  <rect x="0.7" y="0.7" width="14.6" height="10.6" rx="2" />
  <path
    d="M3.5 4h1M6.5 4h1M9.5 4h1M12 4h.5M3.5 6.5h1M6.5 6.5h1M9.5 6.5h1M12 6.5h.5M5 9h6"
    stroke-linecap="round"
  />
</svg>`;
