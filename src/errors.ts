/**
 * Error taxonomy. A UserError is something the user can fix (bad config, missing Docker,
 * bad input); it prints without a stack. Anything else that escapes a command is a bug.
 */
export interface UserErrorOptions {
  /** What to do about it, printed after the message. */
  hint?: string;
  /** Process exit code (default 1). */
  exitCode?: number;
  /** Extra lines printed after the message (e.g. a failing build step's output). */
  details?: string;
  cause?: unknown;
}

export class UserError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: string | undefined;

  constructor(code: string, message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details;
  }
}

/** Wrong flags or arguments: exit 2. */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, { hint, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** Ctrl-C after cleanup: exit 130. */
export class InterruptedError extends UserError {
  constructor(message = 'Interrupted') {
    super('E_INTERRUPTED', message, { exitCode: 130 });
    this.name = 'InterruptedError';
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

export function notImplemented(command: string, issue: string): UserError {
  return new UserError('E_NOT_IMPLEMENTED', `edgecog ${command} is not implemented yet`, {
    hint: `It lands with ${issue}.`,
  });
}
