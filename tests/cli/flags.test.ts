import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/cli/errors.js';
import {
  choiceFlag, flagName, numberFlag, optionalNumberFlag, parseFlags, stringFlag, switchFlag,
} from '../../src/cli/flags.js';

const FLAGS = {
  epsilon: numberFlag('radius', 0.1, { min: 0 }),
  batchSize: numberFlag('batch', 50, { integer: true, min: 1 }),
  lr: numberFlag('lr', 1e-3, { min: 0, exclusiveMin: true }),
  limit: optionalNumberFlag('limit', { integer: true, min: 1 }),
  attack: choiceFlag('attack', ['fgs', 'pgd'] as const, 'pgd'),
  out: stringFlag('out', '<dir>'),
  clip01: switchFlag('clip'),
};

const usage = (argv: string[]): string => {
  try {
    parseFlags(argv, FLAGS, 'cmd');
  } catch (error) {
    assert.instance(error, UsageError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

test('defaults, both value spellings, switches, kebab and snake names', () => {
  const d = parseFlags([], FLAGS, 'cmd');
  assert.equal({ ...d }, { epsilon: 0.1, batchSize: 50, lr: 1e-3, limit: undefined, attack: 'pgd', out: undefined, clip01: false });
  const v = parseFlags(['--epsilon', '0.3', '--batch-size=7', '--attack', 'fgs', '--clip01', '--out', 'x/y', '--limit', '5'], FLAGS, 'cmd');
  assert.equal([v.epsilon, v.batchSize, v.attack, v.clip01, v.out, v.limit], [0.3, 7, 'fgs', true, 'x/y', 5]);
  assert.is(parseFlags(['--batch_size', '9'], FLAGS, 'cmd').batchSize, 9, "the original's --batch_size spelling");
  assert.is(parseFlags(['--clip01=false'], FLAGS, 'cmd').clip01, false);
  assert.is(flagName('startingEpsilon'), '--starting-epsilon');
});

test('bad values get one clear message naming the flag, the rule and the value', () => {
  assert.is(usage(['--epsilon', '-1']), '--epsilon must be a number >= 0, got -1');
  assert.is(usage(['--epsilon=abc']), '--epsilon must be a number >= 0, got abc');
  assert.is(usage(['--batch-size', '2.5']), '--batch-size must be an integer >= 1, got 2.5');
  assert.is(usage(['--lr', '0']), '--lr must be a number > 0, got 0');
  assert.is(usage(['--epsilon', '']), '--epsilon must be a number >= 0, got ""');
  assert.is(usage(['--epsilon', 'Infinity']), '--epsilon must be a number >= 0, got Infinity');
  assert.is(usage(['--attack', 'cw']), '--attack must be one of fgs, pgd, got cw');
  assert.is(usage(['--out', '']), '--out must not be empty');
  assert.is(usage(['--clip01=yes']), '--clip01 is a switch; use --clip01 or --clip01=true|false, got --clip01=yes');
});

test('structural mistakes: unknown, repeated, value-less flags and positional arguments', () => {
  assert.is(usage(['--epsilom', '1']), "unknown flag --epsilom for 'cmd' (see relaxjs cmd --help)");
  assert.is(usage(['--epsilon', '1', '--epsilon', '2']), '--epsilon is given more than once');
  assert.is(usage(['--epsilon']), '--epsilon needs a value <number>');
  assert.is(usage(['data.bin']), "unexpected argument data.bin for 'cmd' (flags start with --; see relaxjs cmd --help)");
  assert.is(usage(['-e', '1']), "unexpected argument -e for 'cmd' (flags start with --; see relaxjs cmd --help)");
});
test.run();
