#!/usr/bin/env node
// Runs every uvu suite under tests/ (TypeScript through tsx) in one process and ends with the
// plain closing line "N passed, M failed" that CI reads. Extra arguments narrow the run:
// `node scripts/run-tests.mjs tests/relax` runs only that folder, a second argument is uvu's
// file pattern.
import { spawn } from 'node:child_process';

const [dir = 'tests', pattern] = process.argv.slice(2);
const args = ['--import', 'tsx', 'node_modules/uvu/bin.js', dir];
if (pattern) args.push(pattern);
args.push('-i', 'fixtures', '-i', 'helpers');
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let text = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  text += chunk.toString();
});
child.on('close', (code) => {
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = total - passed - skipped;
  if (total === 0) console.log('no tests ran');
  console.log(`${passed} passed, ${code === 0 ? failed : Math.max(failed, 1)} failed`);
  process.exit(code === 0 && total > 0 ? 0 : 1);
});
