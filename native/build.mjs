#!/usr/bin/env node
// `npm run build:native` (and npm install's `prepare`): builds the native backend's addon
// (native/build/Release/relaxjs_native.node) with node-gyp, which npm puts on PATH for its scripts.
// Skipped when the addon is newer than every source here (npm pack runs prepare again). A failed
// build prints a warning and exits 0: the addon is optional, and the `native` backend then says
// it is unavailable (the wasm and js backends are unaffected). Never a broken install.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'relaxjs_native.node');
const sources = readdirSync(here).filter((f) => /\.(cc|h|gyp)$/.test(f)).map((f) => join(here, f));

if (existsSync(addon) && statSync(addon).mtimeMs > Math.max(...sources.map((f) => statSync(f).mtimeMs))) {
  console.log('native addon is up to date');
  process.exit(0);
}
const result = spawnSync('node-gyp', ['rebuild', '--release', '--jobs', '2'], { cwd: here, stdio: 'inherit', shell: process.platform === 'win32' });
if (result.status !== 0 || !existsSync(addon)) {
  console.warn(
    'warning: the native addon (native/, C++17) did not build (it needs node-gyp, g++, make, python3 and the Node headers); ' +
      'the native backend is unavailable, the wasm and js backends work as before',
  );
}
