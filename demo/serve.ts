/**
 * `npm run demo`: serves the demo page on http://127.0.0.1:8787 (`--port N`, `--host H`) with the
 * cross-origin isolation headers (COOP same-origin, COEP require-corp) that SharedArrayBuffer, and so
 * the wasm backend's threads, need. The page and its worker are bundled from TypeScript by esbuild
 * (`--platform=browser`, the same bundle a web developer would build) when the server starts.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The demo's two bundles (ESM, whitespace- and syntax-minified), built in memory. Identifiers are kept:
 * gpu.js compiles kernel functions from their source text, helpers called by name included.
 */
export async function bundleDemo(): Promise<{ app: Uint8Array; worker: Uint8Array }> {
  const one = async (entry: string): Promise<Uint8Array> => {
    const out = await build({ entryPoints: [`${root}demo/${entry}.ts`], bundle: true, platform: 'browser', format: 'esm', minifyWhitespace: true, minifySyntax: true, write: false, target: 'es2022', logLevel: 'error' });
    return out.outputFiles[0]!.contents;
  };
  const [app, worker] = await Promise.all([one('app'), one('worker')]);
  return { app, worker };
}

const TYPES: Record<string, string> = { js: 'text/javascript', html: 'text/html; charset=utf-8', wasm: 'application/wasm' };

/** Static files: the page, the kernel modules and gpu.js's browser build. */
const FILES: Record<string, string> = {
  '/': 'demo/index.html',
  '/wasm/relaxjs-kernels.wasm': 'build/wasm/relaxjs-kernels.wasm',
  '/wasm/relaxjs-kernels-fma.wasm': 'build/wasm/relaxjs-kernels-fma.wasm',
  '/gpu-browser.min.js': 'node_modules/gpu.js/dist/gpu-browser.min.js',
};

/** A running demo server. */
export interface DemoServer { url: string; server: Server; bundles: { app: Uint8Array; worker: Uint8Array }; close(): Promise<void> }

/** Bundles the page and serves it (plus `extra` path → content, for test pages); resolves once listening (`port` 0 picks a free one). */
export async function startDemoServer(options: { port?: number; host?: string; extra?: Record<string, Uint8Array | string> } = {}): Promise<DemoServer> {
  const bundles = await bundleDemo();
  const extra = options.extra ?? {};
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    try {
      const body = extra[path] ?? (path === '/app.js' ? bundles.app : path === '/worker.js' ? bundles.worker : FILES[path] ? await readFile(`${root}${FILES[path]}`) : null);
      if (!body) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[path.split('.').pop() ?? ''] ?? TYPES.html! }).end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port ?? 8787, host, resolve); });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host}:${port}/`, server, bundles, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const port = Number(flag('--port') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer in [0, 65535], got ${flag('--port')}`);
    process.exit(2);
  }
  const host = flag('--host') ?? '127.0.0.1';
  const demo = await startDemoServer({ port, host }).catch((error: Error) => {
    console.error(`cannot serve on ${host}:${port}: ${error.message}`);
    process.exit(2);
  });
  console.log(`relaxjs demo on ${demo.url} (app ${demo.bundles.app.length} B, worker ${demo.bundles.worker.length} B minified); Ctrl-C stops it`);
}
