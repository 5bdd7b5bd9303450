/** Where in a model configuration a problem was found. `line` and `column` are 1-based. */
export interface ConfigLocation {
  /** The configuration's source, e.g. `simple/config.pbtxt` or `config override`. */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Path of the offending field, e.g. `max_batch_size` or `input[0].dims`. */
  readonly field?: string;
}

export interface ConfigErrorOptions {
  readonly cause?: unknown;
  /** Replaces the default `file:line:column: detail` message. */
  readonly message?: string;
}

/**
 * A model configuration, or the model directory holding it, is invalid: a syntax or type error in
 * config.pbtxt, a rule of the model configuration broken, a missing file. Carries no transport status; the
 * gRPC layer decides how to report it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;
  /** The message without its location prefix. */
  readonly detail: string;

  constructor(detail: string, location: ConfigLocation, options: ConfigErrorOptions = {}) {
    super(options.message ?? `${formatLocation(location)}: ${detail}`, { cause: options.cause });
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.field = location.field;
    this.detail = detail;
  }
}

/** `file`, `file:line` or `file:line:column`, as compilers print them. */
export function formatLocation(location: ConfigLocation): string {
  if (location.line === undefined) return location.file;
  if (location.column === undefined) return `${location.file}:${location.line}`;
  return `${location.file}:${location.line}:${location.column}`;
}

/** The first ConfigError in `err`'s cause chain (`err` itself included), if any. */
export function findConfigError(err: unknown): ConfigError | undefined {
  let current = err;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 32; depth += 1) {
    if (current instanceof ConfigError) return current;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}
