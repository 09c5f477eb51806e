/**
 * The xl.cfg parser's messages as the dom0 shell prints them
 * (`FILE:LINE:COLUMN: message`, `FILE:LINE:COLUMN: WARNING: message`; see
 * src/server/config/config-error.ts), turned back into positions so the
 * editor can show each one at its line.
 */

export interface ConfigDiagnostic {
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

const POSITIONED = /^(.+?):(\d+):(\d+): (WARNING: )?(.*)$/;

export function parseDiagnostics(output: string, file: string): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  for (const line of output.split('\n')) {
    const m = POSITIONED.exec(line);
    if (!m || m[1] !== file) continue;
    out.push({
      line: Number(m[2]),
      column: Number(m[3]),
      severity: m[4] ? 'warning' : 'error',
      message: m[5] ?? '',
    });
  }
  return out;
}

/** Errors the parser reported without a position (e.g. a missing name). */
export function unpositionedErrors(output: string, file: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.trim() !== '' && !POSITIONED.test(l))
    .filter((l) => !l.startsWith('xl create: the configuration is not valid'))
    .filter((l) => !l.startsWith(`Parsing config from ${file}`));
}
