import { html } from 'lit';

/** The screen tiles' handles, as inline SVG following currentColor (as icons.ts). */

/** Six dots: "this title bar can be dragged". */
export const gripIcon = html`<svg width="8" height="14" viewBox="0 0 8 14" aria-hidden="true">
  <g fill="currentColor">
    <circle cx="2" cy="3" r="1.2" />
    <circle cx="6" cy="3" r="1.2" />
    <circle cx="2" cy="7" r="1.2" />
    <circle cx="6" cy="7" r="1.2" />
    <circle cx="2" cy="11" r="1.2" />
    <circle cx="6" cy="11" r="1.2" />
  </g>
</svg>`;

/** Diagonal hatching in a tile's lower-right corner, the usual sign of a resizable box. */
export const cornerGrip = html`<svg
  width="14"
  height="14"
  viewBox="0 0 14 14"
  aria-hidden="true"
  fill="none"
  stroke="currentColor"
  stroke-width="1.6"
  stroke-linecap="round"
>
  <path d="M12.5 3.5l-9 9M12.5 7.5l-5 5M12.5 11.5l-1 1" />
</svg>`;
