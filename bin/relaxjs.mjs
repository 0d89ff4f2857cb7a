#!/usr/bin/env node
// The `relaxjs` command: registers tsx's ESM loader in this process, then runs the TypeScript
// entry point src/cli/main.ts (no build step; `npx relaxjs <command>`).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
