// The gpujs WebGPU kernels (async matmul and conv2d) in Node through the npm `webgpu` package (Dawn,
// >= 0.3.10: gpu.js's pinned 0.2.9 does not load on Debian 12, GLIBCXX_3.4.32), on the software
// Vulkan driver that Debian's chromium ships (SwiftShader; .ci/run installs chromium and libvulkan1).
// Finite values match js within float32 rounding; a NaN in A gives NaN exactly where js has it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ParityCase } from '../helpers/gpujs-parity.js';

const ICD = process.env.RELAXJS_VK_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';

test('webgpu in Node (Dawn on SwiftShader Vulkan): matmul and conv2d match js, NaN propagates as in js', () => {
  const version = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('webgpu/package.json'), 'utf8')) as { version: string }).version;
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  assert.ok(major > 0 || minor > 3 || (minor === 3 && patch >= 10), `webgpu ${version} resolves here; >= 0.3.10 needed`);
  assert.ok(existsSync(ICD), `no Vulkan driver manifest at ${ICD}: install Debian's chromium and libvulkan1 (.ci/run does) or set RELAXJS_VK_ICD`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'tests/helpers/webgpu-node.ts'], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, VK_ICD_FILENAMES: ICD },
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `the WebGPU child printed no result (exit ${child.status}): ${child.stderr.split('\n').filter((l) => !l.includes('XDG_RUNTIME_DIR')).slice(0, 4).join(' | ')}`);
  const { cases, fallbacks } = JSON.parse(line!) as { cases: ParityCase[]; fallbacks: string[] };
  assert.equal(fallbacks, [], 'no kernel moved to another mode');
  for (const c of cases) assert.ok(c.maxAbs <= 1e-5 * Math.max(1, c.scale) + 8e-6 * 65, `${c.name}: max |gpu - js| = ${c.maxAbs}`);
  assert.ok(cases.every((c) => c.nanAgree), `NaN / ±Inf differ from js in: ${cases.filter((c) => !c.nanAgree).map((c) => c.name).join(', ')}`);
  console.log(`  webgpu ${version} in Node: ${cases.map((c) => `${c.name} ${c.maxAbs.toExponential(1)}`).join('; ')}`);
});

test.run();
