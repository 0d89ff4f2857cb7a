// Every reference checkpoint against the `state_dict` of its sibling .json (written by the
// original Python code): same names, shapes and values. Three pairs are copied into
// tests/fixtures/reference and always run; the full set in ../shared/reference/public runs
// when that folder exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStateDict, type TorchTensor } from '../../src/io/torch.js';
import { isZip } from '../../src/io/zip.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = join(repoRoot, 'tests', 'fixtures', 'reference');
const sharedDir = resolve(repoRoot, '..', 'shared', 'reference', 'public');

/** Shape and row-major values of a nested JSON list (a bare number is a 0-d tensor). */
function flatten(x: unknown): { shape: number[]; values: number[] } {
  const shape: number[] = [];
  for (let v = x; Array.isArray(v); v = v[0]) shape.push(v.length);
  const values = (Array.isArray(x) ? x.flat(Infinity) : [x]) as number[];
  return { shape, values };
}

function compareTensor(name: string, t: TorchTensor, expected: unknown): void {
  const { shape, values } = flatten(expected);
  assert.equal(t.shape, shape, `${name}: shape`);
  assert.is(t.data.length, values.length, `${name}: length`);
  for (let i = 0; i < values.length; i++) {
    const want = t.data instanceof Float32Array ? Math.fround(values[i]!) : values[i]!;
    const ok = t.data instanceof Float32Array ? t.data[i] === want : Math.abs(t.data[i]! - want) <= 1e-12;
    if (!ok) assert.unreachable(`${name}[${i}]: got ${t.data[i]}, expected ${values[i]}`);
  }
}

function compareWithJson(pth: string): void {
  const json = JSON.parse(readFileSync(pth.replace(/\.(pth|torch)$/, '.json'), 'utf8')) as { state_dict: Record<string, unknown> };
  const sd = loadStateDict(pth);
  assert.equal([...sd.keys()], Object.keys(json.state_dict), 'names and order');
  for (const [name, t] of sd) compareTensor(name, t, json.state_dict[name]);
}

const pthFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.pth') || f.endsWith('.torch')).sort();

test('fixture references cover both formats', () => {
  const kinds = pthFiles(fixtureDir).map((f) => isZip(readFileSync(join(fixtureDir, f))));
  assert.ok(kinds.includes(true), 'a zip-format checkpoint');
  assert.ok(kinds.includes(false), 'a legacy-format checkpoint');
});

for (const f of pthFiles(fixtureDir)) {
  test(`fixture ${f} matches its .json state_dict`, () => compareWithJson(join(fixtureDir, f)));
}

if (existsSync(sharedDir)) {
  for (const f of pthFiles(sharedDir)) {
    test(`shared ${f} matches its .json state_dict`, () => compareWithJson(join(sharedDir, f)));
  }
} else {
  console.log(`tests/io/reference: not checking the shared references: ${sharedDir} does not exist`);
}

test.run();
