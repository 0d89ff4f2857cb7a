import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cauchyFromBits, Rng } from '../../src/tensor/random.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

test('same seed gives the same stream, different seeds differ', () => {
  assert.equal(draws(new Rng(7), 50), draws(new Rng(7), 50));
  assert.not.equal(draws(new Rng(7), 50), draws(new Rng(8), 50));
  const a = new Rng(3);
  const b = new Rng(3);
  assert.equal([a.normal(), a.cauchy(), a.int(10)], [b.normal(), b.cauchy(), b.int(10)]);
});

test('next, uniform and int stay in range', () => {
  const rng = new Rng(1);
  for (let i = 0; i < 20000; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    const v = rng.uniform(-2, 3);
    assert.ok(v >= -2 && v < 3);
    const k = rng.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
  assert.throws(() => rng.int(0), /integer/);
  assert.throws(() => rng.int(2.5), /integer/);
});

test('uniform mean and int histogram are close to expected', () => {
  const rng = new Rng(2);
  const n = 100000;
  const buf = rng.fillUniform(new Float64Array(n));
  const mean = buf.reduce((s, x) => s + x, 0) / n;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  const counts = new Array<number>(5).fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(5)]++;
  for (const c of counts) assert.ok(Math.abs(c / n - 0.2) < 0.01, `counts ${counts}`);
});

test('normal has mean ~0 and variance ~1; fillNormal respects mean and std', () => {
  const rng = new Rng(3);
  const n = 100000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.02, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.03, `var ${s2 / n}`);

  const buf = rng.fillNormal(new Float32Array(n + 1), 2, 0.5);
  const mean = buf.reduce((a, x) => a + x, 0) / buf.length;
  const variance = buf.reduce((a, x) => a + (x - mean) ** 2, 0) / buf.length;
  assert.ok(Math.abs(mean - 2) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 0.25) < 0.01, `var ${variance}`);
  assert.ok(buf.every(Number.isFinite));
});

test('cauchy has median ~0 and quartiles ~-1, +1', () => {
  const rng = new Rng(4);
  const n = 100001;
  const single = Float64Array.from({ length: n }, () => rng.cauchy());
  const bulk = rng.fillCauchy(new Float64Array(n));
  for (const buf of [single, bulk]) {
    buf.sort();
    assert.ok(Math.abs(quantile(buf, 0.5)) < 0.02, `median ${quantile(buf, 0.5)}`);
    assert.ok(Math.abs(quantile(buf, 0.25) + 1) < 0.03, `q1 ${quantile(buf, 0.25)}`);
    assert.ok(Math.abs(quantile(buf, 0.75) - 1) < 0.03, `q3 ${quantile(buf, 0.75)}`);
  }
});

test('shuffle and permutation are permutations, and not the identity', () => {
  const rng = new Rng(5);
  const arr = Array.from({ length: 100 }, (_, i) => i);
  const shuffled = rng.shuffle(arr.slice());
  assert.equal([...shuffled].sort((a, b) => a - b), arr);
  assert.not.equal(shuffled, arr);
  const p = rng.permutation(100);
  assert.equal(Array.from(p).sort((a, b) => a - b), arr);
  assert.not.equal(Array.from(p), arr);
  assert.equal(rng.permutation(0).length, 0);
  assert.equal(Array.from(rng.permutation(1)), [0]);
});

test('fork is deterministic and gives a different stream', () => {
  const a = new Rng(9);
  const b = new Rng(9);
  const fa = a.fork();
  const fb = b.fork();
  assert.equal(draws(fa, 20), draws(fb, 20));
  assert.equal(draws(a, 20), draws(b, 20));
  const parent = new Rng(9);
  const child = parent.fork();
  assert.not.equal(draws(child, 20), draws(parent, 20));
});

test.run();

test('cauchy is tan(π(u − ½)) at the cell midpoint u = (bits + ½)/2^32, finite, and fillCauchy is the same stream', () => {
  const bitsSource = new Rng(11);
  const single = new Rng(11);
  for (let i = 0; i < 20000; i++) {
    const u = (bitsSource.nextUint32() + 0.5) / 2 ** 32;
    const sample = single.cauchy();
    const exact = Math.abs(u - 0.5) < 0.45 ? Math.tan(Math.PI * (u - 0.5)) : Math.sign(u - 0.5) / Math.tan(Math.PI * Math.min(u, 1 - u));
    assert.ok(Math.abs(sample - exact) <= 1e-12 * Math.abs(exact), `u ${u}: ${sample} vs ${exact}`);
  }
  const bulk = new Rng(12).fillCauchy(new Float64Array(1000));
  const one = new Rng(12);
  assert.equal(Array.from(bulk), Array.from({ length: 1000 }, () => one.cauchy()));
  const after = new Rng(12);
  after.fillCauchy(new Float32Array(1000));
  assert.is(after.nextUint32(), one.nextUint32());
  // The extreme cells give large but finite samples of opposite signs; the middle two, tiny ones.
  assert.equal([0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1].map((b) => Math.sign(cauchyFromBits(b))), [-1, -1, 1, 1]);
  assert.ok(Math.abs(cauchyFromBits(0)) > 2e9 && Math.abs(cauchyFromBits(0)) < 3e9);
  assert.is(cauchyFromBits(0), -cauchyFromBits(2 ** 32 - 1));
  assert.ok(Math.abs(cauchyFromBits(2 ** 31)) < 1e-9);
});
