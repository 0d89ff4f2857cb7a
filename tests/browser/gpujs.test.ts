// The gpujs backend's kernels on real GPU APIs in headless Chromium (software: SwiftShader's GL and
// Vulkan): `webgl2` (the synchronous backend: element-wise, reductions, matmul, convolutions) and
// `webgpu` (the async matmul / conv2d), against js on the same inputs (tests/browser/gpujs-page.ts).
// What is guaranteed about NaN differs per mode (GLSL ES 3.0 leaves NaN handling to the driver; WGSL
// may assume no NaN): finite inputs must match js within float32 rounding; NaN / ±Inf cases are
// checked only where the mode guarantees them (stated per case below) and reported otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/serve.js';
import { launchChromium } from '../helpers/chromium.js';
import type { ParityCase } from '../helpers/gpujs-parity.js';

let browser: Browser;
let server: DemoServer;

const PAGE = '<!doctype html><html><body><script src="/gpu-browser.min.js"></script><script type="module" src="/parity.js"></script></body></html>';

async function parity(page: Page, mode: 'webgl2' | 'webgpu'): Promise<{ mode: string; cases: ParityCase[]; fallbacks: string[] }> {
  await page.goto(`${server.url}parity.html`);
  await page.waitForFunction(() => typeof (globalThis as unknown as { runParity?: unknown }).runParity === 'function');
  return page.evaluate((m) => (globalThis as unknown as { runParity(mode: string): Promise<{ mode: string; cases: ParityCase[]; fallbacks: string[] }> }).runParity(m), mode);
}

/** float32 rounding of a sum of up to `k` products of values of size `scale`. */
const within = (c: ParityCase, k: number): boolean => c.maxAbs <= 1e-5 * Math.max(1, c.scale) + 2e-6 * k * 4;

function report(mode: string, cases: ParityCase[]): void {
  const worst = cases.reduce((w, c) => Math.max(w, c.maxRel), 0);
  const nanDiffer = cases.filter((c) => !c.nanAgree).map((c) => c.name);
  console.log(`  ${mode}: ${cases.length} cases, worst relative error ${worst.toExponential(1)}; NaN/±Inf differ from js in: ${nanDiffer.join(', ') || 'none'}`);
}

test.before(async () => {
  const bundle = await build({ entryPoints: [fileURLToPath(new URL('gpujs-page.ts', import.meta.url))], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'error' });
  server = await startDemoServer({ port: 0, extra: { '/parity.html': PAGE, '/parity.js': bundle.outputFiles[0]!.contents } });
  browser = await launchChromium(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
});
test.after(async () => {
  await browser?.close();
  await server?.close();
});

test('webgl2 (Chromium, SwiftShader GL): every kernel matches js on finite values; NaN / ±Inf are not guaranteed (reported)', async () => {
  const page = await browser.newPage();
  try {
    const { mode, cases, fallbacks } = await parity(page, 'webgl2');
    assert.is(mode, 'webgl2', 'gpu.js ran in webgl2 mode, not a CPU fallback');
    assert.equal(fallbacks, [], 'no kernel moved to another mode');
    for (const c of cases) assert.ok(within(c, 65), `${c.name}: max |gpu - js| = ${c.maxAbs} at scale ${c.scale}`);
    report('webgl2', cases);
  } finally {
    await page.close();
  }
});

test('webgpu (Chromium, SwiftShader Vulkan): matmul and conv2d match js; a NaN input reaches the output as in js (checked)', async () => {
  const page = await browser.newPage();
  try {
    const { cases, fallbacks } = await parity(page, 'webgpu');
    assert.equal(fallbacks, [], 'no kernel moved to another mode');
    for (const c of cases) assert.ok(within(c, 65), `${c.name}: max |gpu - js| = ${c.maxAbs} at scale ${c.scale}`);
    assert.ok(cases.find((c) => c.name === 'matmul with a NaN in A')!.nanAgree, 'the rows and columns a NaN touches are NaN, as in js');
    report('webgpu', cases);
  } finally {
    await page.close();
  }
});

test.run();
