/**
 * Makes `navigator.language` a locale Intl accepts before uPlot loads.
 * WebKitGTK reports the POSIX locale of a process started with LANG=C (as
 * CI machines and containers are) as "C", which is no BCP 47 tag (RFC 5646
 * §2.1: a language subtag has 2–3 or 5–8 letters); uPlot calls
 * `new Intl.NumberFormat(navigator.language)` when its module loads, and the
 * RangeError stopped the whole desktop from loading. Chromium and Firefox
 * report "en-US" there, which is what this falls back to.
 */

/** A well-formed tag (even one without locale data: Intl falls back from it). */
export function isWellFormedLocale(tag: string): boolean {
  try {
    Intl.getCanonicalLocales(tag);
    return true;
  } catch {
    return false;
  }
}

const nav = (globalThis as { navigator?: Navigator }).navigator;
if (nav && !isWellFormedLocale(nav.language)) {
  const languages = nav.languages.filter(isWellFormedLocale);
  if (languages.length === 0) languages.push('en-US');
  Object.defineProperty(nav, 'language', { configurable: true, get: () => languages[0] });
  Object.defineProperty(nav, 'languages', {
    configurable: true,
    get: () => Object.freeze([...languages]),
  });
}
