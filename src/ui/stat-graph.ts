import { LitElement, css, html, nothing, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
// Before uPlot, which formats numbers in navigator.language as it loads.
import './locale-guard.ts';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { formatRate } from './format.ts';

/**
 * A live time-series graph (uPlot): one line per series over the client's
 * shared sample times. `sparkline` drops axes and legend for table cells.
 * The plot follows its box's size.
 */

export interface GraphSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
}

@customElement('stat-graph')
export class StatGraph extends LitElement {
  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-width: 60px;
        min-height: 24px;
      }
      .plot {
        flex: 1;
        min-height: 0;
        position: relative;
      }
      .plot > .uplot {
        position: absolute;
        inset: 0;
      }
      ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.1rem 0.7rem;
        margin: 0.2rem 0 0;
        padding: 0;
        list-style: none;
        font-size: 0.72rem;
        color: #5b6778;
      }
      li {
        white-space: nowrap;
      }
      li i {
        display: inline-block;
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 2px;
        margin-right: 0.25rem;
        vertical-align: -1px;
      }
      li b {
        color: #1c2430;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @property({ attribute: false }) times: readonly number[] = [];
  @property({ attribute: false }) series: readonly GraphSeries[] = [];
  /** Unit shown on the axis and in the legend ("%", "/s"). */
  @property() unit = '';
  @property({ type: Boolean }) sparkline = false;
  /** Fixed top of the y scale (e.g. 100 for %); auto when 0. */
  @property({ type: Number }) max = 0;

  private plot: uPlot | null = null;
  private shape = '';
  private resize: ResizeObserver | null = null;

  override render() {
    return html`<div class="plot" role="img" aria-label=${this.describe()}></div>
      ${
        this.sparkline
          ? nothing
          : html`<ul aria-hidden="true">
              ${this.series.map(
                (s) =>
                  html`<li>
                    <i style="background:${s.color}"></i>${s.label} <b>${this.latestText(s)}</b>
                  </li>`,
              )}
            </ul>`
      }`;
  }

  private latestText(s: GraphSeries): string {
    const v = [...s.values].reverse().find((x) => x !== null);
    return v === undefined || v === null ? '–' : `${formatRate(v)}${this.unit}`;
  }

  /** A text equivalent of the graph: each series' latest value. */
  private describe(): string {
    return this.series.map((s) => `${s.label} ${this.latestText(s)}`).join(', ') || 'no data';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this);
    if (this.hasUpdated) this.draw();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
    this.shape = '';
  }

  protected override updated(_changed: PropertyValues): void {
    this.draw();
  }

  private data(): uPlot.AlignedData {
    const n = this.times.length;
    return [
      [...this.times],
      ...this.series.map((s) => {
        const v = s.values.slice(-n);
        return [...Array<null>(Math.max(0, n - v.length)).fill(null), ...v];
      }),
    ] as uPlot.AlignedData;
  }

  private size(): { width: number; height: number } {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot');
    return {
      width: Math.max(40, box?.clientWidth ?? this.clientWidth),
      height: Math.max(20, box?.clientHeight ?? this.clientHeight),
    };
  }

  private draw(): void {
    const host = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!host) return;
    const shape = `${this.sparkline}|${this.unit}|${this.max}|${this.series.map((s) => `${s.label}:${s.color}`).join(',')}`;
    if (this.plot && shape === this.shape) {
      this.plot.setData(this.data());
      return;
    }
    this.plot?.destroy();
    this.shape = shape;
    const { width, height } = this.size();
    const unit = this.unit;
    const fmt = (_u: uPlot, v: number | null): string =>
      v === null || v === undefined ? '–' : `${formatRate(v)}${unit}`;
    const axisFont = '11px system-ui, sans-serif';
    const opts: uPlot.Options = {
      width,
      height,
      pxAlign: 0,
      legend: { show: false },
      cursor: { show: !this.sparkline, points: { show: false } },
      scales: {
        x: { time: false },
        y: { range: (_u, _min, max) => [0, this.max > 0 ? this.max : Math.max(1, max * 1.15)] },
      },
      axes: this.sparkline
        ? [{ show: false }, { show: false }]
        : [
            {
              font: axisFont,
              stroke: '#5b6778',
              size: 22,
              grid: { stroke: '#eef1f5' },
              ticks: { show: false },
              values: (_u, vals) => vals.map((v) => `${Math.round(v)}s`),
            },
            {
              font: axisFont,
              stroke: '#5b6778',
              // As wide as its longest label ("10k KiB/s"), so none is clipped at the left edge.
              size: (u, values) => {
                u.ctx.font = axisFont;
                const widest = Math.max(
                  0,
                  ...(values ?? []).map((v) => u.ctx.measureText(v).width),
                );
                return Math.max(36, Math.ceil(widest) + 10);
              },
              grid: { stroke: '#eef1f5' },
              ticks: { show: false },
              values: (_u, vals) => vals.map((v) => `${formatRate(v)}${unit}`),
            },
          ],
      series: [
        { label: 'time' },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: this.sparkline ? 1.5 : 2,
          fill: this.sparkline ? `${s.color}22` : undefined,
          value: fmt,
          points: { show: false },
          spanGaps: false,
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data(), host);
  }

  private fit(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (this.plot.width !== width || this.plot.height !== height)
      this.plot.setSize({ width, height });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'stat-graph': StatGraph;
  }
}
