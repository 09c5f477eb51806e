import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';

/** The VM server desktop's root. */
@customElement('tabvisor-app')
export class TabvisorApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-family: system-ui, sans-serif;
      margin: 2rem;
    }
  `;

  override render() {
    return html`<h1>Tabvisor</h1>
      <p>A Xen-style virtual machine server in a browser tab.</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tabvisor-app': TabvisorApp;
  }
}
