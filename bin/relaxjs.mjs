#!/usr/bin/env node
// The `relaxjs` command. The published package runs the compiled dist/cli/main.js (built by
// `npm run build`, which `npm pack` and `npm install` run). In a git checkout, where src/ is
// present and the dev dependency tsx is installed, it runs the TypeScript sources instead, so
// edits take effect without a rebuild.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const tsx = existsSync(source) ? await loadTsx() : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  console.error("relaxjs: dist/cli/main.js is missing; run 'npm run build' (npm install and npm pack run it)");
  process.exit(2);
}
