/**
 * Diagnostics of the xl.cfg parser. Positions are 1-based line and column,
 * printed `FILE:LINE:COLUMN: message` like a compiler, so the dom0 shell
 * can show exactly where a definition under /etc/xen/vm is wrong.
 */

/** A place in a config source. `column` counts characters from 1. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * The only exception the parser ever throws: the file is not a valid
 * domain configuration. Nothing is created when this is thrown.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** What was wrong or expected, without the position prefix. */
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
  }

  static at(file: string, pos: SourcePosition, detail: string): ConfigError {
    return new ConfigError(file, pos.line, pos.column, detail);
  }
}

/**
 * Something xl would accept but that deserves a word: an unknown key
 * (kept, as xl keeps it), a key Tabvisor does not model, an option that
 * another option overrides.
 */
export class ConfigWarning {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {}

  static at(file: string, pos: SourcePosition, detail: string): ConfigWarning {
    return new ConfigWarning(file, pos.line, pos.column, detail);
  }

  toString(): string {
    return `${this.file}:${this.line}:${this.column}: WARNING: ${this.detail}`;
  }
}
