// Headless Chromium for the browser suites: Debian's `chromium` (.ci/run installs it) driven by
// playwright-core. A missing browser is a failure with the fix in the message, never a skip.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the browser is: `RELAXJS_CHROMIUM`, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.RELAXJS_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium (software GL through SwiftShader, WebGPU allowed). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, as .ci/run does) or set RELAXJS_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...extraArgs],
  });
}
