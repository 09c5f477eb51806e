import {
  parseDiagnostics,
  unpositionedErrors,
  type ConfigDiagnostic,
} from './config-diagnostics.ts';
import { shellQuote, type VmServerClient } from './vm-server-client.ts';

/**
 * Checks a domain configuration with the VM server's own parser, the one
 * `xl create` uses: the text goes to a scratch file in Domain-0's /tmp and
 * `xl create -n` (dry run: parse, no domain) reads it. The page never parses
 * xl.cfg itself, so what the editor says is what xl will say.
 */

export const SCRATCH_DIR = '/tmp/tabvisor-desktop';

export interface ConfigCheck {
  readonly ok: boolean;
  readonly diagnostics: readonly ConfigDiagnostic[];
  /** Problems without a line (shown above the list). */
  readonly general: readonly string[];
}

export async function checkConfig(
  client: VmServerClient,
  text: string,
  scratchName: string,
): Promise<ConfigCheck> {
  const file = `${SCRATCH_DIR}/${scratchName.replace(/[^A-Za-z0-9_.-]/g, '_')}.cfg`;
  await client.api.run(`mkdir -p ${SCRATCH_DIR}`);
  await client.api.writeFile(file, text);
  // Dry run; its JSON goes beside the scratch file, leaving only the messages.
  const r = await client.api.run(
    `xl create -n -q -f ${shellQuote(file)} > ${shellQuote(`${file}.json`)}`,
  );
  const output = r.output;
  const diagnostics = parseDiagnostics(output, file);
  const general = r.status === 0 ? [] : unpositionedErrors(output, file);
  return { ok: r.status === 0, diagnostics, general };
}
