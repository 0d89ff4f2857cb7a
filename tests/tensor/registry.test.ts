import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { exp } from '../../src/autograd/index.js';
import type { Backend, UnaryOp } from '../../src/tensor/backend.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import { kernelsPath } from '../../src/tensor/backends/wasm/runtime.js';
import { backendByName, backendNames, defaultBackendName, getBackend, registerBackend, setBackend, withBackend } from '../../src/tensor/registry.js';
import { Tensor } from '../../src/tensor/tensor.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A backend that delegates to js and counts unary calls. */
function countingBackend(name: string): { backend: Backend; calls: UnaryOp[] } {
  const calls: UnaryOp[] = [];
  const backend: Backend = { ...jsBackend, name, unary: (op, x) => { calls.push(op); return jsBackend.unary(op, x); } };
  return { backend, calls };
}

test('the default backend is the one RELAXJS_BACKEND names, else wasm when built, else js', () => {
  assert.is(getBackend().name, process.env.RELAXJS_BACKEND || defaultBackendName());
  assert.is(defaultBackendName(), existsSync(kernelsPath) ? 'wasm' : 'js');
  assert.ok(backendNames().includes('js'));
  assert.is(backendByName('js'), jsBackend);
});

test('registerBackend is lazy and caches; withBackend routes ops and restores, also after a throw', () => {
  const { backend, calls } = countingBackend('counting-test');
  let made = 0;
  registerBackend('counting-test', () => { made++; return backend; });
  assert.is(made, 0, 'factory not called at registration');
  assert.ok(backendNames().includes('counting-test'));
  const before = getBackend();
  const y = withBackend('counting-test', () => {
    assert.is(getBackend().name, 'counting-test');
    return exp(Tensor.from([0, 1]));
  });
  assert.equal(calls, ['exp']);
  assert.ok(Math.abs(y.data[1]! - Math.E) < 1e-6);
  assert.is(getBackend(), before);
  assert.throws(() => withBackend('counting-test', () => { throw new Error('inner failure'); }), /inner failure/);
  assert.is(getBackend(), before);
  backendByName('counting-test');
  assert.is(made, 1, 'factory called once');
});

test('setBackend returns the previous backend and accepts an object', () => {
  const { backend } = countingBackend('object-test');
  const previous = setBackend(backend);
  assert.is(getBackend(), backend);
  assert.is(setBackend(previous), backend);
  assert.is(getBackend(), previous);
});

test('an unknown name gives an error listing the known ones', () => {
  assert.throws(() => backendByName('nope'), /unknown backend 'nope'; expected one of js/);
  assert.throws(() => setBackend('nope'), /unknown backend 'nope'/);
});

test('RELAXJS_BACKEND selects the backend on first use', () => {
  const script = "import { getBackend } from './src/tensor/registry.ts'; try { console.log(getBackend().name); } catch (e) { console.log(e.message); }";
  const run = (value: string): string => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot, env: { ...process.env, RELAXJS_BACKEND: value }, encoding: 'utf8',
  }).stdout.trim();
  assert.is(run('js'), 'js');
  assert.match(run('no-such-backend'), /unknown backend 'no-such-backend'/);
});

test.run();
