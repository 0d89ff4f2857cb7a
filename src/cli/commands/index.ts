/**
 * The command table, in the order `relaxjs --help` lists it.
 * @module
 */
import type { RegisteredCommand } from '../command.js';
import { attackCommand } from './attack.js';
import { benchCommand } from './bench.js';
import { certifyCommand } from './certify.js';
import { mainCommand } from './main.js';
import { radiusCommand } from './radius.js';
import { reproduceCommand } from './reproduce.js';
import { toy2dCommand } from './toy2d.js';
import { trainCommand } from './train.js';
import { verifyCommand } from './verify.js';

/** Every command of the CLI; `main` (first) is what `relaxjs` runs without a command. */
export const COMMANDS: readonly RegisteredCommand[] = [mainCommand, trainCommand, certifyCommand, attackCommand, radiusCommand, toy2dCommand, reproduceCommand, benchCommand, verifyCommand];
