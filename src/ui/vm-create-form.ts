import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { checkConfig } from './config-check.ts';
import { GUEST_IMAGE_DIR, VALID_NAME, configText, type NewVm } from './new-vm-config.ts';
import { controls } from './shared-styles.ts';
import { VM_CONFIG_DIR, shellQuote, type VmServerClient } from './vm-server-client.ts';

/**
 * A new VM in a few fields, written as an xl.cfg(5) file in
 * /etc/xen/vm/NAME — the same file a student could write with an editor and
 * start with `xl create NAME`. The text is checked by the VM server's parser
 * before it is written, and shown as it will be written.
 */

@customElement('vm-create-form')
export class VmCreateForm extends LitElement {
  static override styles = [
    controls,
    css`
      :host {
        display: block;
      }
      form {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 1rem 1.25rem;
      }
      fieldset {
        border: none;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.3rem;
      }
      label,
      legend {
        font-weight: 600;
        font-size: 0.85rem;
      }
      .help {
        font-size: 0.78rem;
        color: var(--tv-muted);
      }
      .choices {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .choice {
        flex: 1 1 12rem;
        display: flex;
        gap: 0.5rem;
        align-items: flex-start;
        border: 1px solid var(--tv-border);
        border-radius: 8px;
        padding: 0.5rem 0.6rem;
        font-weight: 400;
        cursor: pointer;
      }
      .choice:has(input:checked) {
        border-color: var(--tv-accent);
        background: var(--tv-accent-soft);
      }
      .choice strong {
        display: block;
      }
      .wide {
        grid-column: 1 / -1;
      }
      .row {
        display: flex;
        gap: 0.6rem;
        align-items: center;
        flex-wrap: wrap;
      }
      input[aria-invalid='true'] {
        border-color: var(--tv-error);
      }
      .error {
        color: var(--tv-error);
        font-size: 0.82rem;
      }
      .ok {
        color: var(--tv-ok);
        font-size: 0.85rem;
      }
      pre {
        margin: 0;
        background: var(--tv-panel-2);
        border: 1px solid var(--tv-border);
        border-radius: 6px;
        padding: 0.5rem 0.7rem;
        font-family: var(--tv-mono);
        font-size: 0.78rem;
        overflow: auto;
        max-height: 14rem;
      }
      @media (max-width: 700px) {
        form {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  @property({ attribute: false }) client: VmServerClient | null = null;
  @state() private name = '';
  @state() private type: 'hvm' | 'pv' = 'hvm';
  @state() private memory = 32;
  @state() private vcpus = 1;
  @state() private weight = 256;
  @state() private diskGiB = 0;
  @state() private kernel = `${GUEST_IMAGE_DIR}/sprout.elf`;
  @state() private autostart = false;
  @state() private network = true;
  @state() private start = true;
  @state() private images: string[] = [];
  @state() private storageReady = false;
  @state() private busy = false;
  @state() private result: { ok: boolean; text: string } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    const c = this.client;
    if (!c) return;
    const r = await c.api.run(`ls ${GUEST_IMAGE_DIR}`).catch(() => ({ output: '', status: 1 }));
    this.images = r.status === 0 ? r.output.split('\n').filter((l) => l) : [];
    if (
      this.images.length > 0 &&
      !this.images.some((i) => `${GUEST_IMAGE_DIR}/${i}` === this.kernel)
    )
      this.kernel = `${GUEST_IMAGE_DIR}/${this.images[0]}`;
    this.storageReady = (await c.storage()) !== null;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('client') && this.client) void this.load();
  }

  private nameProblem(): string {
    if (!this.name) return '';
    if (!VALID_NAME.test(this.name))
      return 'Use letters, digits, “-”, “_” or “.”, starting with a letter or digit.';
    if (this.client?.configs.includes(this.name)) return `/etc/xen/vm/${this.name} already exists.`;
    if (this.name === 'Domain-0') return 'Domain-0 is the VM server itself.';
    return '';
  }

  private vm(): NewVm {
    return {
      name: this.name,
      type: this.type,
      memory: this.memory,
      vcpus: this.vcpus,
      weight: this.weight,
      diskGiB: this.diskGiB,
      kernel: this.kernel,
      autostart: this.autostart,
      network: this.network,
    };
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const c = this.client;
    if (!c || this.busy) return;
    const problem = this.nameProblem() || (!this.name ? 'A VM needs a name.' : '');
    if (problem) {
      this.result = { ok: false, text: problem };
      this.renderRoot.querySelector<HTMLInputElement>('#vm-name')?.focus();
      return;
    }
    this.busy = true;
    this.result = null;
    const path = `${VM_CONFIG_DIR}/${this.name}`;
    try {
      let vm = this.vm();
      if (vm.diskGiB > 0 && this.storageReady) {
        await c.api.createPartition(vm.name, vm.diskGiB * 1024 ** 3);
        // Named like the seeded guests' disks: the partition whose GPT name is the VM's.
        vm = { ...vm, diskTarget: `/dev/vg0/${vm.name}` };
      }
      const text = configText(vm);
      const check = await checkConfig(c, text, vm.name);
      if (!check.ok) {
        const first = check.diagnostics[0];
        this.result = {
          ok: false,
          text: first ? `Line ${first.line}: ${first.message}` : check.general.join('\n'),
        };
        return;
      }
      await c.api.writeFile(path, text);
      await c.refreshConfigs();
      let started = '';
      if (this.start) {
        const r = await c.run(`xl create ${shellQuote(vm.name)}`);
        started = r.status === 0 ? ` and started it` : `; starting it failed:\n${r.output.trim()}`;
      }
      this.result = { ok: !started.includes('failed'), text: `Wrote ${path}${started}.` };
      this.dispatchEvent(
        new CustomEvent('vm-created', {
          detail: { name: vm.name, path },
          bubbles: true,
          composed: true,
        }),
      );
      this.name = '';
    } catch (err) {
      this.result = { ok: false, text: String(err) };
    } finally {
      this.busy = false;
    }
  }

  private num(e: Event): number {
    return Number((e.target as HTMLInputElement).value);
  }

  override render() {
    const problem = this.nameProblem();
    return html`<form @submit=${this.submit} novalidate aria-labelledby="create-title">
      <h2 id="create-title" class="wide">Create a virtual machine</h2>
      <div class="field">
        <label for="vm-name">Name</label>
        <input
          id="vm-name"
          name="name"
          .value=${this.name}
          @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value.trim())}
          required
          autocomplete="off"
          spellcheck="false"
          aria-invalid=${problem ? 'true' : 'false'}
          aria-describedby="name-help"
          placeholder="e.g. web1"
        />
        <span id="name-help" class=${problem ? 'error' : 'help'}
          >${problem || `The file will be ${VM_CONFIG_DIR}/${this.name || 'NAME'}.`}</span
        >
      </div>
      <div class="field">
        <label for="vm-kernel">Guest OS image</label>
        <select
          id="vm-kernel"
          .value=${this.kernel}
          @change=${(e: Event) => (this.kernel = (e.target as HTMLSelectElement).value)}
        >
          ${(this.images.length ? this.images : ['sprout.elf']).map(
            (i) => html`<option value="${GUEST_IMAGE_DIR}/${i}">${i}</option>`,
          )}
        </select>
        <span class="help">From ${GUEST_IMAGE_DIR}.</span>
      </div>
      <fieldset class="wide">
        <legend>Virtualization mode</legend>
        <div class="choices">
          <label class="choice">
            <input
              type="radio"
              name="type"
              value="hvm"
              .checked=${this.type === 'hvm'}
              @change=${() => (this.type = 'hvm')}
            />
            <span
              ><strong>HVM — fully virtualized</strong>
              <span class="help"
                >Unmodified drivers for emulated hardware: IDE disk, VGA, PS/2, 16550 UART. Every
                device access is a VM exit.</span
              ></span
            >
          </label>
          <label class="choice">
            <input
              type="radio"
              name="type"
              value="pv"
              .checked=${this.type === 'pv'}
              @change=${() => (this.type = 'pv')}
            />
            <span
              ><strong>PV — paravirtualized</strong>
              <span class="help"
                >The guest knows it is virtual: front-end drivers, shared rings, grant tables and
                event-channel hypercalls.</span
              ></span
            >
          </label>
        </div>
      </fieldset>
      <div class="field">
        <label for="vm-memory">Memory (MiB)</label>
        <input
          id="vm-memory"
          type="number"
          min="8"
          max="512"
          step="8"
          .value=${String(this.memory)}
          @input=${(e: Event) => (this.memory = this.num(e))}
        />
      </div>
      <div class="field">
        <label for="vm-vcpus">Virtual CPUs</label>
        <input
          id="vm-vcpus"
          type="number"
          min="1"
          max="8"
          .value=${String(this.vcpus)}
          @input=${(e: Event) => (this.vcpus = this.num(e))}
        />
      </div>
      <div class="field">
        <label for="vm-disk">Disk size (GiB)</label>
        <input
          id="vm-disk"
          type="number"
          min="0"
          max="200"
          .value=${String(this.diskGiB)}
          @input=${(e: Event) => (this.diskGiB = this.num(e))}
          aria-describedby="disk-help"
        />
        <span id="disk-help" class="help"
          >${
            this.storageReady
              ? `A new partition on the host disk, /dev/vg0/${this.name || 'NAME'}; 0 for none.`
              : 'The host disk is not available yet: the size is noted in the file, no partition is made.'
          }</span
        >
      </div>
      <div class="field">
        <label for="vm-weight">CPU weight</label>
        <input
          id="vm-weight"
          type="number"
          min="1"
          max="65535"
          .value=${String(this.weight)}
          @input=${(e: Event) => (this.weight = this.num(e))}
          aria-describedby="weight-help"
        />
        <span id="weight-help" class="help"
          >Credit scheduler share: 512 gets twice the CPU of 256 when busy.</span
        >
      </div>
      <div class="row wide">
        <label
          ><input
            type="checkbox"
            .checked=${this.start}
            @change=${(e: Event) => (this.start = (e.target as HTMLInputElement).checked)}
          />
          Start it now</label
        >
        <label
          ><input
            type="checkbox"
            .checked=${this.autostart}
            @change=${(e: Event) => (this.autostart = (e.target as HTMLInputElement).checked)}
          />
          Start when the VM server boots (autostart)</label
        >
        <label
          ><input
            type="checkbox"
            .checked=${this.network}
            @change=${(e: Event) => (this.network = (e.target as HTMLInputElement).checked)}
          />
          Network: a NIC on the bridge xenbr0 (DHCP from Domain-0)</label
        >
      </div>
      <div class="field wide">
        <span class="help">The file that will be written:</span>
        <pre aria-label="Configuration preview" tabindex="0">${configText(this.vm())}</pre>
      </div>
      <div class="row wide">
        <button class="primary" type="submit" ?disabled=${this.busy}>
          ${this.busy ? 'Creating…' : 'Create VM'}
        </button>
        <span
          role="status"
          aria-live="polite"
          class=${this.result ? (this.result.ok ? 'ok' : 'error') : ''}
          >${this.result ? this.result.text : nothing}</span
        >
      </div>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vm-create-form': VmCreateForm;
  }
}
