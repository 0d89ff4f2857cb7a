/**
 * The dispatcher: `runCli(argv, io)` picks the command, handles `--help` / `help <command>` /
 * `--version`, runs it, prints its text or JSON, and maps errors to one-line messages and exit
 * codes (0 ok, 1 failure, 2 bad usage). Without a command (no arguments, or only flags) it runs
 * {@link DEFAULT_COMMAND}, the main job. It never calls `process.exit`, so tests run every
 * command in-process.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { RegisteredCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** The package version, read from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The command `relaxjs` runs when given no command: no arguments, or flags only (`relaxjs --epochs 20`). */
export const DEFAULT_COMMAND = 'main';

/** The top-level help: usage and the command list. */
export function mainHelp(commands: readonly RegisteredCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'relaxjs: train and certify provably robust networks (Wong & Kolter convex outer adversarial polytope)',
    '',
    'Usage: relaxjs <command> [flags]      relaxjs <command> --help',
    `       relaxjs [flags]                 no command: runs '${DEFAULT_COMMAND}' (npm start = the main job with its defaults)`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --seed <int> and --json. Exit codes: 0 ok, 1 failure, 2 bad usage.',
    '',
  ].join('\n');
}

/**
 * Runs the CLI on `argv` (without the `node` and script entries) and returns the exit code.
 * @param commands - the command table (tests may pass their own).
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly RegisteredCommand[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') { io.stdout(mainHelp(commands)); return EXIT.ok; }
  if (first === '--version') { io.stdout(version() + '\n'); return EXIT.ok; }
  if (first === undefined || first.startsWith('--')) return runDefault(argv, io, commands);
  const helpTarget = first === 'help' ? rest[0] : undefined;
  if (first === 'help' && helpTarget === undefined) { io.stdout(mainHelp(commands)); return EXIT.ok; }
  const name = helpTarget ?? first;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`relaxjs: unknown command '${name}' (commands: ${commands.map((c) => c.name).join(', ')})\n`);
    return EXIT.usage;
  }
  if (helpTarget !== undefined || rest.includes('--help') || rest.includes('-h')) { io.stdout(command.help()); return EXIT.ok; }
  return execute(command, rest, io);
}

/** No command named: {@link DEFAULT_COMMAND} gets all of `argv` (its help for `--help`). */
async function runDefault(argv: readonly string[], io: CliIo, commands: readonly RegisteredCommand[]): Promise<number> {
  const command = commands.find((c) => c.name === DEFAULT_COMMAND);
  if (!command) {
    io.stderr(mainHelp(commands));
    io.stderr('relaxjs: missing command\n');
    return EXIT.usage;
  }
  if (argv.includes('--help') || argv.includes('-h')) { io.stdout(command.help()); return EXIT.ok; }
  return execute(command, argv, io);
}

async function execute(command: RegisteredCommand, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { result, json } = await command.execute(argv, io);
    io.stdout(json ? JSON.stringify(result.json, null, 2) + '\n' : result.text.endsWith('\n') ? result.text : result.text + '\n');
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) { io.stderr(`relaxjs: ${error.message}\n`); return EXIT.usage; }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`relaxjs ${command.name}: ${message.split('\n')[0]}\n`);
    if (io.env.RELAXJS_DEBUG && error instanceof Error && error.stack) io.stderr(error.stack + '\n');
    return EXIT.failure;
  }
}
