/**
 * A small W3C WebDriver (classic, HTTP) client: just what the e2e tests
 * drive WebKitWebDriver with. Endpoints and payloads per the W3C WebDriver
 * recommendation (§8 sessions, §10 navigation, §12 elements, §13 scripts,
 * §15 actions, §17 screen capture).
 */

/** The key for an element reference in JSON (W3C WebDriver §12.1). */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** Normalized key values for the keys typed here (W3C WebDriver §15.4.2, keyboard actions). */
export const Keys = { Enter: '\uE007', Backspace: '\uE003' } as const;

export interface ElementRef {
  readonly [ELEMENT_KEY]: string;
}

export function isElementRef(v: unknown): v is ElementRef {
  return typeof v === 'object' && v !== null && ELEMENT_KEY in v;
}

export class WebDriverError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(`${error}: ${message}`);
    this.name = 'WebDriverError';
  }
}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: object,
): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as { value?: unknown };
  const value = json.value;
  // Errors come as {value: {error, message}} with a 4xx/5xx status (§6.6).
  if (!res.ok) {
    const v = (value ?? {}) as { error?: string; message?: string };
    throw new WebDriverError(v.error ?? `HTTP ${res.status}`, v.message ?? '');
  }
  return value;
}

export class WebDriverSession {
  private constructor(
    private readonly base: string,
    readonly id: string,
    readonly capabilities: Record<string, unknown>,
  ) {}

  /** New Session (§8.1): `endpoint` is the driver's root URL, e.g. http://127.0.0.1:4444. */
  static async create(
    endpoint: string,
    alwaysMatch: Record<string, unknown>,
  ): Promise<WebDriverSession> {
    const base = endpoint.replace(/\/$/, '');
    const v = (await call('POST', `${base}/session`, { capabilities: { alwaysMatch } })) as {
      sessionId: string;
      capabilities: Record<string, unknown>;
    };
    return new WebDriverSession(`${base}/session/${v.sessionId}`, v.sessionId, v.capabilities);
  }

  private cmd(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> {
    return call(method, `${this.base}${path}`, body);
  }

  async navigate(url: string): Promise<void> {
    await this.cmd('POST', '/url', { url });
  }

  /** Set Window Rect (§11.8.2): the outer window, toolbars included. */
  async setWindowRect(rect: {
    width: number;
    height: number;
    x?: number;
    y?: number;
  }): Promise<void> {
    await this.cmd('POST', '/window/rect', rect);
  }

  /** Execute Script (§13.2.1): `script` is a function body; `arguments` holds `args`. */
  execute<T>(script: string, args: readonly unknown[] = []): Promise<T> {
    return this.cmd('POST', '/execute/sync', { script, args }) as Promise<T>;
  }

  /** Element Click (§12.5.1): scrolls it into view and clicks its in-view centre. */
  async click(el: ElementRef): Promise<void> {
    await this.cmd('POST', `/element/${el[ELEMENT_KEY]}/click`, {});
  }

  /** Types `text` into whatever has focus, one key down/up per character (§15.7 Perform Actions). */
  async typeKeys(text: string, pauseMs = 0): Promise<void> {
    const actions: object[] = [];
    for (const ch of text) {
      actions.push({ type: 'keyDown', value: ch }, { type: 'keyUp', value: ch });
      if (pauseMs > 0) actions.push({ type: 'pause', duration: pauseMs });
    }
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  /** Take Screenshot (§17.1): the viewport as PNG. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from((await this.cmd('GET', '/screenshot')) as string, 'base64');
  }

  /** Delete Session (§8.2): closes the browser. */
  async delete(): Promise<void> {
    await this.cmd('DELETE', '');
  }
}
