/**
 * Entry point of the `relaxjs` command (`npm start -- <command>`, `npx relaxjs <command>`):
 * runs {@link runCli} on the process arguments and sets the exit code.
 * @module
 */
import { processIo } from './io.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
