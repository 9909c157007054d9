import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { HTML_SECURITY_HEADERS } from '../../shared/http/html';
import { usePublisher } from '../../shared/events/publisher';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { push, pushBody, RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import { personData, request } from '../support/http';
import { writeArtifact } from '../support/processes';

/**
 * The HTML pages in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * Each page must show its data (hostile names as literal text), run no script it was not
 * meant to (there is none it is meant to run), log no console error, raise no page error and
 * no content-security-policy violation, load nothing from anywhere else; a full-page
 * screenshot of each goes to test-artifacts/browser/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserSkip = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (browserSkip && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but ${browserSkip}`);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Names that run script if any page ever puts them into markup unescaped. */
const HOSTILE = [
  `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`,
  `"><svg onload=window.__pwned=3>`,
  `</title><script>window.__pwned=4</script>`,
];
const PLAIN = 'Mrs. Elizabeth Ramell Nye & Co';

/** Everything that went wrong on one page, as the browser reported it. */
interface Visit {
  page: Page;
  /** Console errors, page errors and CSP violations, one line each. */
  problems: string[];
  /** Every URL the page requested. */
  requests: string[];
}

async function launch(): Promise<Browser> {
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
async function openPage(context: BrowserContext): Promise<Visit> {
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
async function afterLoad(visit: Visit, { csp = true } = {}) {
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
async function screenshot(page: Page, name: string): Promise<string> {
  const png = await page.screenshot({ fullPage: true });
  const path = writeArtifact(`browser/${name}.png`, png);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  expect(png.readUInt32BE(16)).toBeGreaterThan(0);
  expect(png.readUInt32BE(20)).toBeGreaterThan(0);
  expect(png.length).toBeGreaterThan(1000);
  return path;
}

const suite = browserSkip ? describe.skip : describe;

suite(`HTML pages in headless Chromium${browserSkip ? ` [SKIPPED, ${browserSkip}]` : ''}`, () => {
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launch();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  });
  afterEach(async () => {
    await context?.close();
  });

  describe('the detectors are live (controls, no function involved)', () => {
    // Served on localhost (a trustworthy origin, like the functions under test): elsewhere over
    // plain HTTP Chromium logs that it ignored Cross-Origin-Opener-Policy.
    const hostileBody = `<!doctype html><title>control</title><p>${HOSTILE.join('</p><p>')}</p>`;

    it('sees __pwned set when a page puts the hostile names into markup unescaped, without a CSP', async () => {
      const visit = await openPage(context);
      await visit.page.route('http://localhost/control', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: hostileBody }),
      );
      // Inline scripts and handlers have run by the load event, which goto waits for.
      await visit.page.goto('http://localhost/control', { waitUntil: 'load' });
      expect((await afterLoad(visit, { csp: false })).pwned).toBeDefined();
    });

    it('sees the violations and console errors when our CSP stops the same unescaped markup', async () => {
      const visit = await openPage(context);
      await visit.page.route('http://localhost/control', (route) =>
        route.fulfill({
          status: 200,
          headers: { ...HTML_SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8' },
          body: hostileBody,
        }),
      );
      await visit.page.goto('http://localhost/control');
      const result = await afterLoad(visit);
      expect(result.pwned).toBeUndefined();
      expect(result.violations).toEqual(
        expect.arrayContaining([expect.stringMatching(/^script-src/)]),
      );
      expect(visit.problems.join('\n')).toMatch(
        /violates the following Content Security Policy|Refused to/,
      );
    });
  });

  describeEachDatabase('the pages', (leg) => {
    useTestDatabase(leg);
    const people = useFunction('people');
    const projectStats = useFunction('project-stats');
    const stats = useFunction('stats');
    const broker = new RecordingPublisher();
    const names = [PLAIN, ...HOSTILE];
    const uuids: string[] = [];

    beforeAll(async () => {
      usePublisher(broker);
      for (const [i, name] of names.entries()) {
        const res = await request(`${people()}/people`, {
          method: 'POST',
          json: personData({
            name,
            passengerClass: (i % 3) + 1,
            sex: ['female', 'male', 'other'][i % 3],
            survived: i % 2 === 0,
          }),
        });
        expect(res.status).toBe(201);
        uuids.push(res.body.uuid);
      }
      await broker.settled();
      // Deliver the events to project-stats, as the push subscription would.
      for (const published of broker.published) {
        const res = await push(projectStats(), pushBody(published.message, published.messageId));
        expect(res.status).toBeLessThan(300);
      }
    });

    /** Opens a URL, checks everything that must hold on any page, and screenshots it. */
    async function load(url: string, shot: string): Promise<Visit> {
      const visit = await openPage(context);
      const response = await visit.page.goto(url, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      // That the policy reached the browser (its content is checked in security-headers.test.ts).
      expect(response?.headers()['content-security-policy']).toBe(
        HTML_SECURITY_HEADERS['Content-Security-Policy'],
      );
      const result = await afterLoad(visit);
      expect(result.pwned).toBeUndefined();
      expect(result.violations).toEqual([]);
      expect(result.scripts).toBe(0);
      expect(result.handlers).toBe(0);
      expect(result.bodyMaxWidth).toBe('1120px');
      expect(visit.problems).toEqual([]);
      const origin = new URL(url).origin;
      expect(visit.requests.filter((r) => !r.startsWith(`${origin}/`))).toEqual([]);
      await screenshot(visit.page, `${shot}-${leg.name}`);
      return visit;
    }

    it('the list page shows every name, the hostile ones as literal text, and runs nothing', async () => {
      const { page } = await load(`${people()}/people`, 'people-list');
      expect(await page.title()).toBe('People · manifest');
      const links = await page.locator('tbody td a').allInnerTexts();
      expect([...links].sort()).toEqual([...names].sort());
      for (const name of names) {
        expect(await page.getByRole('link', { name, exact: true }).isVisible()).toBe(true);
      }
      expect(await page.locator('body').innerText()).toContain(HOSTILE[0]);
    });

    it('a detail page shows the hostile name as its heading and title, and runs nothing', async () => {
      const index = names.indexOf(HOSTILE[0]!);
      const { page } = await load(`${people()}/people/${uuids[index]}`, 'person-detail');
      expect(await page.locator('h1').innerText()).toBe(HOSTILE[0]);
      expect(await page.title()).toBe(`${HOSTILE[0]} · manifest`);
      const dds = await page.locator('dd').allInnerTexts();
      expect(dds[0]).toBe(uuids[index]);
    });

    it('the detail page of a name that closes <title> keeps it in the title', async () => {
      const index = names.indexOf(HOSTILE[2]!);
      const { page } = await load(`${people()}/people/${uuids[index]}`, 'person-detail-title');
      expect(await page.title()).toBe(`${HOSTILE[2]} · manifest`);
      expect(await page.locator('h1').innerText()).toBe(HOSTILE[2]);
    });

    it('the stats page draws the chart and shows the figures, and runs nothing', async () => {
      const { page } = await load(`${stats()}/stats`, 'stats');
      expect(await page.locator('h1').innerText()).toBe('Passenger statistics');
      expect(await page.locator('body').innerText()).toContain(
        `${names.length} passengers, 2 survived (50.0%).`,
      );
      const chart = page.locator('svg[role="img"]');
      expect(await chart.isVisible()).toBe(true);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(await page.locator('svg rect[fill]').count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator('tbody tr').count()).toBe(3);
    });
  });
});
