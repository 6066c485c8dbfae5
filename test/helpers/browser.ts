/**
 * Headless Chromium for browser tests: Debian's `chromium` package (CI installs it in `.ci/run`), driven by
 * playwright-core. Nothing is downloaded: no `npx playwright install`.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Why browser suites are skipped, or undefined when they run. Only a developer machine without Chromium skips; under
 * CI a missing browser fails the suite instead of hiding it.
 */
export const browserSkipReason: string | undefined =
  existsSync(CHROMIUM_PATH) || process.env.CI
    ? undefined
    : `${CHROMIUM_PATH} not found: browser tests skipped (apt-get install chromium to run them)`;

if (browserSkipReason) console.warn(browserSkipReason);

/** A headless Chromium with a fresh temporary profile (playwright makes one per launch and removes it on close). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
