// The demo page in real Chromium: it trains the 2D toy's normal and robust networks in its worker
// on the js and wasm backends, and the certificates equal the Node run of the same code
// (demo/toy.ts) on the same backend; a screenshot of each run goes to runs/screenshots/ (git-ignored).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/serve.js';
import { trainToy } from '../../demo/toy.js';
import type { DigitResult, ToyRun, ToySettings } from '../../demo/protocol.js';
import { Rng, describeModel, encodeCheckpoint, withBackend, zoo } from '../../src/index.js';
import { certifyDigit } from '../../demo/digit.js';
import { toy2dPoints } from '../../src/data/toy2d.js';
import { createWasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { WasmRuntime } from '../../src/tensor/backends/wasm/runtime.js';
import { launchChromium } from '../helpers/chromium.js';

const STEPS = 20;
const SHOTS = 'runs/screenshots';
let browser: Browser;
let demo: DemoServer;

interface PageDemo { state: string; error: string; backend: string; result: { normal: ToyRun; robust: ToyRun } }

/** The seeded points and settings the page uses for `?autorun=1&seed=0&steps=STEPS`. */
function settings(): ToySettings {
  const data = toy2dPoints(12, 0.16, new Rng(0));
  return { xs: [...data.images], labels: [...data.labels], steps: STEPS, epsilon: 0.08, seed: 0, hidden: 100, gridSize: 100 };
}

async function runPage(backend: string): Promise<PageDemo> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  try {
    await page.goto(`${demo.url}?autorun=1&seed=0&steps=${STEPS}&backend=${backend}`);
    await page.waitForFunction(() => ['done', 'error'].includes((globalThis as unknown as { relaxjsDemo?: { state: string } }).relaxjsDemo?.state ?? ''), null, { timeout: 280_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { relaxjsDemo: PageDemo }).relaxjsDemo);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/demo-toy-${backend}.png`, fullPage: true });
    return result;
  } finally {
    await page.close();
  }
}

function sameRun(page: ToyRun, node: ToyRun, what: string): number {
  assert.equal(page.errors, node.errors, `${what}: certificates (1 = not certified) in the page vs Node`);
  assert.equal(page.cleanErrors, node.cleanErrors, `${what}: clean errors`);
  assert.is(page.losses.length, STEPS);
  let worst = 0;
  page.losses.forEach((l, i) => { worst = Math.max(worst, Math.abs(l - node.losses[i]!) / Math.max(1e-6, Math.abs(node.losses[i]!))); });
  assert.ok(worst <= 1e-5, `${what}: losses differ by ${worst} relative`);
  return worst;
}

test.before(async () => {
  browser = await launchChromium();
  demo = await startDemoServer({ port: 0 });
});
test.after(async () => {
  await browser?.close();
  await demo?.close();
});

test('the demo page type-checks (demo/tsconfig.json: the DOM lib, which the root config leaves out)', () => {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'demo/tsconfig.json'], { encoding: 'utf8', timeout: 180_000 });
  const own = tsc.stdout.split('\n').filter((l) => l.startsWith('demo/'));
  assert.equal(own, [], own.join('\n'));
});

test('the js backend in the page gives the certificates and losses of the Node run', async () => {
  const page = await runPage('js');
  assert.is(page.state, 'done', page.error);
  const node = withBackend('js', () => ({ normal: trainToy(settings(), false), robust: trainToy(settings(), true) }));
  const worst = Math.max(sameRun(page.result.normal, node.normal, 'normal'), sameRun(page.result.robust, node.robust, 'robust'));
  console.log(`  js: ${page.result.robust.errors.filter((e) => e === 0).length}/12 certified (robust); page ${page.result.normal.stepMs.toFixed(1)} / ${page.result.robust.stepMs.toFixed(1)} ms per step, Node ${node.normal.stepMs.toFixed(1)} / ${node.robust.stepMs.toFixed(1)}; losses within ${worst.toExponential(1)}`);
});

test('the wasm backend (SIMD kernels, Web Workers) in the page gives the certificates of the Node run on the same (plain SIMD128) module', async () => {
  const page = await runPage('wasm');
  assert.is(page.state, 'done', page.error);
  assert.is(page.backend, 'wasm');
  const plain = createWasmBackend({ threads: 1, runtime: new WasmRuntime(1, false) });
  const node = withBackend(plain, () => ({ normal: trainToy(settings(), false), robust: trainToy(settings(), true) }));
  const worst = Math.max(sameRun(page.result.normal, node.normal, 'normal'), sameRun(page.result.robust, node.robust, 'robust'));
  console.log(`  wasm: page ${page.result.normal.stepMs.toFixed(1)} / ${page.result.robust.stepMs.toFixed(1)} ms per step, Node ${node.normal.stepMs.toFixed(1)} / ${node.robust.stepMs.toFixed(1)}; losses within ${worst.toExponential(1)}`);
});

test('the digit panel: load a relaxjs checkpoint, draw with the mouse, certify; the radii per class margin are the Node ones', async () => {
  const model = zoo.mnist500(3);
  const tensors = new Map([...model.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
  const bytes = encodeCheckpoint(tensors, { architecture: describeModel(model) });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  try {
    await page.goto(demo.url);
    await page.waitForFunction(() => (globalThis as unknown as { relaxjsDemo?: { state: string } }).relaxjsDemo?.state === 'idle');
    await page.setInputFiles('#model-file', { name: 'mnist500.relaxjs', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await page.waitForFunction(() => ['model', 'error'].includes((globalThis as unknown as { relaxjsDemo: { state: string } }).relaxjsDemo.state));
    const box = (await page.locator('#digit').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 40);
    await page.mouse.down();
    for (let t = 0; t <= 20; t++) await page.mouse.move(box.x + 140 + 30 * Math.sin(t / 3), box.y + 40 + 10 * t);
    await page.mouse.up();
    await page.click('#digit-certify');
    await page.waitForFunction(() => ['digit', 'error'].includes((globalThis as unknown as { relaxjsDemo: { state: string } }).relaxjsDemo.state), null, { timeout: 120_000 });
    const got = await page.evaluate(() => (globalThis as unknown as { relaxjsDemo: { state: string; error: string; pixels: number[]; result: DigitResult } }).relaxjsDemo);
    assert.is(got.state, 'digit', got.error);
    assert.ok(got.pixels.some((v) => v > 0.5), 'the stroke reached the 28x28 input');
    await page.screenshot({ path: `${SHOTS}/demo-digit.png`, fullPage: true });
    const node = certifyDigit(zoo.mnist500(3), Float32Array.from(got.pixels));
    assert.is(got.result.prediction, node.prediction);
    assert.equal(got.result.radius.map((r) => (r === null ? NaN : r)), node.radius);
    console.log(`  digit: predicted ${node.prediction}, radii ${node.radius.map((r) => r.toFixed(4)).join(' ')}`);
  } finally {
    await page.close();
  }
});

test.run();
