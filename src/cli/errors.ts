/**
 * The errors the CLI turns into one-line messages and exit codes: {@link UsageError} (bad
 * flags, exit 2) and {@link MissingPieceError} (a command whose library part is not built yet,
 * exit 3). Any other error is a runtime failure (exit 1).
 * @module
 */

/** Exit codes of `relaxjs`. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, missingPiece: 3 });

/** A problem with the command line itself; printed as `relaxjs: <message>`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that needs a part of the library this build does not have yet; exit code 3. */
export class MissingPieceError extends Error {
  override readonly name = 'MissingPieceError';
  /**
   * @param command - the command that was run.
   * @param piece - the missing source folder, e.g. `src/relax`.
   * @param what - what that folder provides, for the message.
   */
  constructor(command: string, piece: string, what: string) {
    super(`'${command}' needs ${piece} (${what}), which this build does not have yet`);
  }
}
