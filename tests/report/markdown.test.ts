import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markdownTable, percent, robustnessTable } from '../../src/report/index.js';

test('robustness table reproduces the original README layout', () => {
  const table = robustnessTable([
    { model: 'Original', baseError: 0.012, fgsError: 0.397, pgdError: 0.941, robustError: 1 },
    { model: 'Robust', baseError: 0.029, fgsError: 0.058, pgdError: 0.062, robustError: 0.084 },
  ]);
  assert.is(table, [
    '|          | Base error | FGS error | PGD error | Robust error |',
    '| -------: | ---------: | --------: | --------: | -----------: |',
    '| Original |       1.2% |     39.7% |     94.1% |         100% |',
    '|   Robust |       2.9% |      5.8% |      6.2% |         8.4% |',
    '',
  ].join('\n'));
});

test('missing measurements print as a dash; pipes and newlines cannot break a row', () => {
  assert.is(percent(undefined), '—');
  assert.is(percent(Number.NaN), '—');
  assert.is(percent(0.0649), '6.5%');
  assert.is(percent(0.05), '5.0%');
  assert.is(percent(0), '0.0%');
  const t = markdownTable(['a|b', 'c'], [['x\ny', '1']]);
  assert.is(t.split('\n')[0], '| a\\|b | c   |');
  assert.is(t.split('\n')[2], '| x y  | 1   |');
  assert.throws(() => markdownTable(['a'], [['1', '2']]), /row 0 has 2 cells for 1 headers/);
});
test.run();
