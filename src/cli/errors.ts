/**
 * The errors the CLI turns into one-line messages and exit codes: {@link UsageError} (bad
 * flags, exit 2); any other error is a runtime failure (exit 1).
 * @module
 */

/** Exit codes of `relaxjs`. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

/** A problem with the command line itself; printed as `relaxjs: <message>`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
