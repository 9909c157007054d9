import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { writeArtifact } from './processes';

/**
 * Pages in a real browser: Debian's Chromium, headless, driven by playwright-core, with
 * detectors for console errors, page errors, CSP violations and every request a page makes
 * (html-browser.test.ts and console-browser.test.ts).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserSkip = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Everything that went wrong on one page, as the browser reported it. */
export interface Visit {
  page: Page;
  /** Console errors, page errors and CSP violations, one line each. */
  problems: string[];
  /** Every URL the page requested. */
  requests: string[];
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // Tests run as root (CI, containers), where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-sync',
      '--no-first-run',
      '--mute-audio',
    ],
  });
}

/**
 * Opens a fresh page that records console errors, page errors and securitypolicyviolation
 * events (listened for from before the document exists: Playwright's init scripts run
 * through the DevTools protocol, which the page's CSP does not govern).
 */
export async function openPage(context: BrowserContext): Promise<Visit> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes(SENTINEL)) return; // afterLoad's own violation
    if (message.type() === 'error' || /Refused to|Content Security Policy/i.test(message.text()))
      problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (req) => req.url() !== SENTINEL && requests.push(req.url()));
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  return { page, problems, requests };
}

/**
 * An image URL no page of ours may load (img-src is 'self' data:): asking for it after the page
 * has loaded causes one violation of our own, whose event is queued after every violation the
 * page caused. Seeing it means every earlier one has been seen (no sleep); it is then left out.
 */
const SENTINEL = 'https://csp-sentinel.invalid/after-load.png';

/**
 * What the page ended up with: the detector's flag and the CSP violations it saw. A page
 * served without a CSP (a control) can have no violation to wait for: `csp: false`.
 */
export async function afterLoad(visit: Visit, { csp = true } = {}) {
  await visit.page.evaluate((url) => {
    new Image().src = url;
  }, SENTINEL);
  if (csp)
    await visit.page.waitForFunction(
      (url) =>
        (window as unknown as { __cspViolations: string[] }).__cspViolations.some((v) =>
          v.includes(url),
        ),
      SENTINEL,
    );
  return visit.page.evaluate(
    (url) => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      violations: (window as unknown as { __cspViolations: string[] }).__cspViolations.filter(
        (v) => !v.includes(url),
      ),
      scripts: document.scripts.length,
      handlers: document.querySelectorAll('[onload], [onerror], img, iframe, object, embed').length,
      // The page stylesheet applied (the CSP allows it by hash): body { max-width: 70rem }.
      bodyMaxWidth: getComputedStyle(document.body).maxWidth,
    }),
    SENTINEL,
  );
}

/** A full-page screenshot in the test artefacts; checks the file is a non-empty PNG. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const png = await page.screenshot({ fullPage: true });
  const path = writeArtifact(`browser/${name}.png`, png);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  expect(png.readUInt32BE(16)).toBeGreaterThan(0);
  expect(png.readUInt32BE(20)).toBeGreaterThan(0);
  expect(png.length).toBeGreaterThan(1000);
  return path;
}
