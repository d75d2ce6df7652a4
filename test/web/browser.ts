import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page, type Response } from 'playwright-core';

/**
 * Debian's Chromium (apt-get install chromium; .ci/run installs it) driven by
 * playwright-core: no browser download, no network. Each context is a fresh profile
 * (Playwright launches with a new temporary user-data-dir and removes it on close).
 */
export const CHROMIUM = process.env['CBS_CHROMIUM'] ?? '/usr/bin/chromium';

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run',
    ],
  });
}

/** Where the tests put their screenshots (gitignored): test-artifacts/web at the repository root, or CBS_TEST_ARTIFACTS. */
export const ARTIFACTS = process.env['CBS_TEST_ARTIFACTS']
  ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../test-artifacts/web');

/** The whole page, or only what the window shows (`fullPage: false`, for pages thousands of rows long). */
export async function screenshot(page: Page, name: string, o: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: o.fullPage ?? true });
  return path;
}

/**
 * Everything the page logged as an error and every uncaught exception, so a test can
 * assert the console stayed clean. Resource errors for statuses the test provoked on
 * purpose (a bad token's 401) are listed in `expected`.
 */
export function watchConsole(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return { errors };
}

export interface Transfer { bytes: number; requests: Array<{ url: string; bytes: number; encoding: string }> }

/** Bytes on the wire (headers + encoded bodies) of every response the page receives until the returned function is called. */
export function measureTransfer(page: Page): () => Promise<Transfer> {
  const pending: Array<Promise<{ url: string; bytes: number; encoding: string }>> = [];
  const onResponse = (r: Response): void => {
    pending.push((async () => {
      await r.finished();
      const s = await r.request().sizes();
      return { url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize, encoding: (await r.allHeaders())['content-encoding'] ?? '' };
    })());
  };
  page.on('response', onResponse);
  return async () => {
    page.off('response', onResponse);
    const requests = await Promise.all(pending);
    return { bytes: requests.reduce((s, r) => s + r.bytes, 0), requests };
  };
}

export async function newPage(browser: Browser, o: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  return { context, page };
}
