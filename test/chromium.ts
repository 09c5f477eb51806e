/**
 * Debian's Chromium, the only browser this project drives (browsers cannot be
 * downloaded here). Flags per the project's CI notes: no sandbox as root, and no
 * background networking, which the closed network would refuse noisily.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
