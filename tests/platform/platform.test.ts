// The platform adapters: the Node one answers from process.env / os / build/wasm, the browser one
// fails with a clear message where it has nothing to give, and the browser PNG path (stored zlib
// blocks) decodes with zlib.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync, inflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { browserPlatform, nodePlatform, platform, setBrowserEnv, setPlatform, isNode, nodeBuiltin } from '../../src/platform/index.js';
import { kernelsPath } from '../../src/tensor/backends/wasm/module.js';
import { defaultBackendName } from '../../src/tensor/registry.js';
import { zlibStored } from '../../src/report/png.js';
import { Rng } from '../../src/tensor/random.js';

test('under Node the node adapter is active and answers from the host', () => {
  assert.ok(isNode());
  assert.is(platform().name, 'node');
  assert.is(nodePlatform.hardwareThreads(), availableParallelism());
  assert.is(nodePlatform.wasmKernelsAvailable(), existsSync(kernelsPath));
  assert.is(nodePlatform.env('PATH'), process.env.PATH);
  assert.is(nodeBuiltin('path').join('a', 'b'), 'a/b');
});

test('the browser adapter: settings from setBrowserEnv, clear errors for what it lacks', () => {
  setBrowserEnv({ RELAXJS_BACKEND: 'js' });
  assert.is(browserPlatform.env('RELAXJS_BACKEND'), 'js');
  setBrowserEnv({ RELAXJS_BACKEND: undefined });
  assert.is(browserPlatform.env('RELAXJS_BACKEND'), undefined);
  assert.not.ok(browserPlatform.wasmKernelsAvailable());
  assert.throws(() => browserPlatform.compileWasmKernels(false), /await initWasm\(\)/);
  assert.throws(() => browserPlatform.loadGpujs(), /gpu-browser\.min\.js|setGpujs/);
  const previous = setPlatform(browserPlatform);
  try {
    assert.is(defaultBackendName(), 'js', 'no kernels compiled yet: js');
  } finally {
    setPlatform(previous);
  }
});

test('zlibStored (the browser PNG path) round-trips through zlib for empty, small and multi-block inputs', () => {
  const rng = new Rng(3);
  for (const n of [0, 1, 65535, 65536, 200_001]) {
    const raw = Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
    assert.equal(new Uint8Array(inflateSync(zlibStored(raw))), raw, `length ${n}`);
  }
});

test('the root index bundles for a browser (esbuild --platform=browser, no Node built-in left to resolve)', async () => {
  const out = await build({ entryPoints: ['src/index.ts'], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.contents;
  const text = new TextDecoder().decode(code);
  assert.not.match(text, /from\s*["']node:|require\(["'](fs|path|os|zlib|crypto|worker_threads|child_process)["']\)/);
  console.log(`  browser bundle of relaxjs: ${(code.length / 1024).toFixed(0)} KiB minified, ${(gzipSync(code).length / 1024).toFixed(0)} KiB gzipped`);
});

test.run();
