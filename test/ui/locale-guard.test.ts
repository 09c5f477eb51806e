import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * WebKitGTK under LANG=C reports navigator.language "C", no BCP 47 tag, and
 * uPlot's `new Intl.NumberFormat(navigator.language)` threw as it loaded,
 * so the desktop never started. The guard runs before uPlot loads.
 */

function fakeNavigator(language: string, languages: readonly string[]): Navigator {
  const nav = { language, languages } as unknown as Navigator;
  vi.stubGlobal('navigator', nav);
  return nav;
}

describe('locale guard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('gives Intl a locale it accepts where the browser says "C"', async () => {
    const nav = fakeNavigator('C', ['C']);
    expect(() => new Intl.NumberFormat(nav.language)).toThrow(RangeError);
    await import('../../src/ui/locale-guard.ts');
    expect(nav.language).toBe('en-US');
    expect(nav.languages).toEqual(['en-US']);
    expect(new Intl.NumberFormat(nav.language).format(1234.5)).toBe('1,234.5');
  });

  it('keeps the well-formed languages the browser listed', async () => {
    const nav = fakeNavigator('C', ['C', 'de-DE', 'fr']);
    await import('../../src/ui/locale-guard.ts');
    expect(nav.language).toBe('de-DE');
    expect(nav.languages).toEqual(['de-DE', 'fr']);
  });

  it('leaves a well-formed language alone', async () => {
    const nav = fakeNavigator('pt-BR', ['pt-BR', 'en']);
    await import('../../src/ui/locale-guard.ts');
    expect(nav.language).toBe('pt-BR');
    expect(nav.languages).toEqual(['pt-BR', 'en']);
  });
});
