import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/server/config/config-error';
import { parseXlConfig } from '../../src/server/config/xl-config';
import { parseDiagnostics, unpositionedErrors } from '../../src/ui/config-diagnostics';

const FILE = '/tmp/tabvisor-desktop/web.cfg';

/** The parser's real message for a text, as xl create prints it. */
function xlOutput(text: string): string {
  try {
    const { warnings } = parseXlConfig(text, { file: FILE });
    return warnings.map((w) => `${w.toString()}\n`).join('');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `${e.message}\nxl create: the configuration is not valid; no domain was created\n`;
  }
}

describe('the editor’s reading of xl’s messages', () => {
  it('puts a syntax error at the parser’s line and column', () => {
    const out = xlOutput('name = "web"\nmemory = 32\nvcpus = = 2\n');
    const [d, ...rest] = parseDiagnostics(out, FILE);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ line: 3, severity: 'error' });
    expect(d?.column).toBeGreaterThan(1);
    expect(unpositionedErrors(out, FILE)).toEqual([]);
  });

  it('puts a type error on the value’s line', () => {
    const out = xlOutput('name = "web"\ntype = "pv"\nkernel = "/k"\n\nvcpus = "two"\n');
    expect(parseDiagnostics(out, FILE)).toMatchObject([{ line: 5, severity: 'error' }]);
  });

  it('reads warnings (an unknown key) as warnings, on their line', () => {
    const out = xlOutput('name = "web"\ntype = "pv"\nkernel = "/k"\nfrobnicate = 1\n');
    expect(parseDiagnostics(out, FILE)).toMatchObject([{ line: 4, severity: 'warning' }]);
  });

  it('ignores messages about other files and keeps unpositioned errors', () => {
    const out = `/etc/xen/vm/other:1:1: elsewhere\nxl create: cannot read ${FILE}\n`;
    expect(parseDiagnostics(out, FILE)).toEqual([]);
    expect(unpositionedErrors(out, FILE)).toEqual([`xl create: cannot read ${FILE}`]);
  });
});
