// VNN-LIB parsing: boxes, output rows in DNF grouped by input box, linear terms, and errors that
// name the line and column of the offending token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseVnnlib } from '../../src/verify/vnnlib.js';

const HEAD = '(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n';
const BOX = '(assert (<= X_0 1))\n(assert (>= X_0 -1))\n(assert (<= X_1 0.5))\n(assert (>= X_1 0))\n';

function throwsAt(src: string, where: RegExp): void {
  let message = '';
  try {
    parseVnnlib(src);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, where);
}

test('a box and one conjunction: rows c·y + d <= 0', () => {
  const p = parseVnnlib(`; comment\n${HEAD}${BOX}(assert (<= Y_0 Y_1))\n(assert (>= Y_0 3))\n`);
  assert.is(p.inputs, 2);
  assert.is(p.outputs, 2);
  assert.is(p.parts.length, 1);
  assert.equal(Array.from(p.parts[0]!.lower), [-1, 0]);
  assert.equal(Array.from(p.parts[0]!.upper), [1, 0.5]);
  const rows = p.parts[0]!.conjunctions[0]!.map((r) => [...Array.from(r.c), r.d]);
  assert.equal(rows, [[1, -1, 0], [-1, 0, 3]]);
});

test('or of ands over outputs: one conjunction per disjunct', () => {
  const p = parseVnnlib(`${HEAD}${BOX}(assert (or (and (<= Y_0 0)) (and (>= Y_1 1) (<= Y_0 2))))`);
  assert.is(p.parts[0]!.conjunctions.length, 2);
  assert.is(p.parts[0]!.conjunctions[1]!.length, 2);
});

test('disjunction of input boxes: parts grouped by box (ACAS Xu prop 6 form)', () => {
  const box = (lo: number): string => `(and (>= X_0 ${lo}) (<= X_0 ${lo + 1}) (>= X_1 0) (<= X_1 1))`;
  const p = parseVnnlib(`${HEAD}(assert (or ${box(0)} ${box(5)}))\n(assert (or (and (<= Y_0 Y_1)) (and (<= Y_1 Y_0))))`);
  assert.is(p.parts.length, 2);
  assert.equal(Array.from(p.parts[1]!.lower), [5, 0]);
  assert.is(p.parts[0]!.conjunctions.length, 2);
});

test('linear terms: +, -, * by constants, and =', () => {
  const p = parseVnnlib(`${HEAD}${BOX}(assert (<= (+ (* 2 Y_0) (- Y_1) 1) (- 3)))\n(assert (= Y_0 0.25))`);
  const rows = p.parts[0]!.conjunctions[0]!.map((r) => [...Array.from(r.c), r.d]);
  assert.equal(rows, [[2, -1, 4], [1, 0, -0.25], [-1, 0, 0.25]]);
});

test('errors name line and column', () => {
  throwsAt(`${HEAD}(assert (<= X_0 1)`, /vnnlib 5:1: '\(' is never closed/);
  throwsAt(`${HEAD}(assert (<= Z_0 1))`, /vnnlib 5:13: 'Z_0' is neither a declared variable nor a number/);
  throwsAt('(declare-const X_0 Int)', /vnnlib 1:20: type 'Int' is not Real/);
  throwsAt(`${HEAD}(check-sat)`, /vnnlib 5:2: unknown command 'check-sat'/);
  throwsAt(`${HEAD}(assert (<= X_0 1)))`, /vnnlib 5:20: unexpected '\)'/);
  throwsAt(`${HEAD}(assert (xor Y_0 Y_1))`, /vnnlib 5:9: unknown formula 'xor'/);
});

test('an unbounded input is refused', () => {
  throwsAt(`${HEAD}(assert (<= X_0 1))\n(assert (<= Y_0 0))`, /finite lower and upper bound/);
});

test.run();
