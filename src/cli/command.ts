/**
 * What a command is: a name, help, a typed flag set, and a `run` that returns both a human
 * summary and a JSON-ready result. {@link defineCommand} erases the flag types behind a uniform
 * {@link RegisteredCommand} so the dispatcher can hold every command in one list.
 * @module
 */
import { resolve } from 'node:path';
import { parseThreads } from '../tensor/backends/wasm/threads.js';
import { backendNames, setBackend } from '../tensor/registry.js';
import { UsageError } from './errors.js';
import { flagHelp, helpColumn, numberFlag, optionalChoiceFlag, parseFlags, switchFlag, type FlagSet, type FlagValues } from './flags.js';
import type { CliIo } from './io.js';
import { claimOutput } from './outputs.js';
import { startProgress, type Progress } from './progress.js';

/** Flags every command takes. */
export const GLOBAL_FLAGS = Object.freeze({
  seed: numberFlag('seed of every random draw (initialisation, shuffling, subsets)', 0, { integer: true, min: 0, max: 2 ** 32 - 1 }),
  json: switchFlag('print one JSON object on stdout instead of text (no progress bar)'),
  backend: optionalChoiceFlag('kernel backend (default: $RELAXJS_BACKEND, else wasm when npm install built it, else js)', backendNames()),
});

/** Parsed flags of a command plus the global ones. */
export type CommandFlags<F extends FlagSet> = FlagValues<F> & FlagValues<typeof GLOBAL_FLAGS>;

/** Services a running command gets. */
export interface CommandContext {
  readonly io: CliIo;
  /** A progress bar (a no-op off a TTY, in CI and with `--json`). */
  progress(label: string, total: number): Progress;
  /** A human status line on stderr (suppressed with `--json`). */
  note(text: string): void;
  /** Resolves a user-given path against the CLI's working directory. */
  path(p: string): string;
  /**
   * Claims an output path (`--out`, `--checkpoint`) for this run with a lock file beside it,
   * released when the command ends; a second run into the same path stops with exit code 2.
   */
  claim(flag: string, path: string): void;
}

/** What a command returns: text for people, a value for `--json`. */
export interface CommandResult {
  readonly text: string;
  readonly json: unknown;
}

/** A command's definition with its typed flags. */
export interface CommandSpec<F extends FlagSet> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Lines of the command's help, between usage and flags. */
  readonly details: readonly string[];
  readonly examples: readonly string[];
  readonly flags: F;
  run(flags: CommandFlags<F>, ctx: CommandContext): Promise<CommandResult> | CommandResult;
}

/** A command with its flag types erased, as the dispatcher holds it. */
export interface RegisteredCommand {
  readonly name: string;
  readonly summary: string;
  /** Full `--help` text. */
  help(): string;
  /** Parses `argv` (throws UsageError) and runs; `json` tells whether `--json` was given. */
  execute(argv: readonly string[], io: CliIo): Promise<{ result: CommandResult; json: boolean }>;
}

/** Wraps a {@link CommandSpec} into a {@link RegisteredCommand}. */
export function defineCommand<F extends FlagSet>(spec: CommandSpec<F>): RegisteredCommand {
  const allFlags = { ...spec.flags, ...GLOBAL_FLAGS };
  return {
    name: spec.name,
    summary: spec.summary,
    help: () => commandHelp(spec),
    async execute(argv, io) {
      const flags = parseFlags(argv, allFlags, spec.name) as CommandFlags<F>;
      checkThreadsVariable(process.env.RELAXJS_THREADS);
      const releases: (() => void)[] = [];
      const ctx: CommandContext = {
        io,
        progress: (label, total) => startProgress(io, label, total, flags.json),
        note: (text) => { if (!flags.json) io.stderr(text + '\n'); },
        path: (p) => resolve(io.cwd, p),
        claim: (flag, path) => { releases.push(claimOutput(path, flag)); },
      };
      const previous = flags.backend === undefined ? null : setBackend(flags.backend);
      try {
        return { result: await spec.run(flags, ctx), json: flags.json };
      } finally {
        for (const release of releases) release();
        if (previous) setBackend(previous);
      }
    },
  };
}

/**
 * `RELAXJS_THREADS` checked before any work, so a bad value is a usage error (exit 2) naming the
 * variable and the range, not a failure at the first kernel call (exit 1).
 */
function checkThreadsVariable(text: string | undefined): void {
  if (text === undefined || text.trim() === '') return;
  try {
    parseThreads(text, 'RELAXJS_THREADS');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function commandHelp<F extends FlagSet>(spec: CommandSpec<F>): string {
  const column = helpColumn(spec.flags, GLOBAL_FLAGS);
  return [
    `relaxjs ${spec.name}: ${spec.summary}`,
    '',
    `Usage: relaxjs ${spec.name} [flags]`,
    '',
    ...spec.details,
    '',
    'Flags:',
    ...flagHelp(spec.flags, column),
    '',
    'Global flags:',
    ...flagHelp(GLOBAL_FLAGS, column),
    `${'  --help'.padEnd(column)}show this help`,
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
