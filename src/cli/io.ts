/**
 * The CLI's window on the world, passed in rather than read from globals, so that every command
 * runs in-process under test with captured output (`runCli(argv, io)`).
 * @module
 */

/** Output streams, terminal facts, environment and clock of one CLI run. */
export interface CliIo {
  /** Writes to standard output (results, help, JSON). */
  stdout(text: string): void;
  /** Writes to standard error (errors, progress). */
  stderr(text: string): void;
  /** Whether standard error is a terminal (progress bars draw only then). */
  readonly isTTY: boolean;
  /** Terminal width in columns (default 80). */
  readonly columns?: number;
  /** Environment variables (`CI` silences progress). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Directory relative paths resolve against. */
  readonly cwd: string;
}

/** The real process: `process.stdout` / `stderr`, `process.env`, `performance.now()`. */
export function processIo(): CliIo {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns || 80, // 0 or undefined when the size is unknown
    env: process.env,
    now: () => performance.now(),
    cwd: process.cwd(),
  };
}

/** Captured output of an in-memory run. */
export interface CapturedIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

/** An in-memory {@link CliIo} for tests: not a TTY, empty environment unless given. */
export function captureIo(options: { isTTY?: boolean; env?: Record<string, string | undefined>; cwd?: string; now?: () => number } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    stdout: (text) => { out.push(text); },
    stderr: (text) => { err.push(text); },
    isTTY: options.isTTY ?? false,
    columns: 80,
    env: options.env ?? {},
    now: options.now ?? (() => performance.now()),
    cwd: options.cwd ?? process.cwd(),
  };
}
