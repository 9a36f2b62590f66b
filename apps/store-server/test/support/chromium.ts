import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Chromium as every browser test and bench of this repository launches it: Debian's
 * `/usr/bin/chromium` (`apt-get install -y chromium`; CHROMIUM_PATH names another), headless,
 * without the sandbox (containers run as root) or the GPU, and quiet on the network.
 * Imported as `@till/store-server/testing/chromium`: it needs nothing but playwright-core.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser is installed (browser suites skip, saying so, when it is not). */
export const chromiumAvailable = (): boolean => fs.existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
