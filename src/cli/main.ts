import { bareCommand, BARE_USAGE } from './bare-command';
import { shellCommand, SHELL_USAGE } from './shell-command';

/** `tabvisor` command-line entry: dispatches sub-commands, returns the exit status. */

export const USAGE = `Usage: tabvisor <command> [options]

Commands:
${BARE_USAGE}
${SHELL_USAGE}
  help
      Show this help.

Run 'tabvisor <command> --help' for a command's options.
`;

/** Usage errors exit with status 2, like most Unix tools. */
export const EXIT_USAGE = 2;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'bare':
      return bareCommand(rest);
    case 'shell':
      return shellCommand(rest);
    case undefined:
      process.stderr.write(USAGE);
      return EXIT_USAGE;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`tabvisor: unknown command '${command}'\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}
