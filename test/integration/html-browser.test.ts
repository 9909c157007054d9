import type { Browser, BrowserContext } from 'playwright-core';
import { HTML_SECURITY_HEADERS } from '../../shared/http/html';
import { usePublisher } from '../../shared/events/publisher';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { push, pushBody, RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import { personData, request } from '../support/http';
import {
  afterLoad,
  browserSkip,
  launch,
  openPage,
  screenshot,
  type Visit,
} from '../support/browser';

/**
 * The HTML pages in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * Each page must show its data (hostile names as literal text), run no script it was not
 * meant to (there is none it is meant to run), log no console error, raise no page error and
 * no content-security-policy violation, load nothing from anywhere else; a full-page
 * screenshot of each goes to test-artifacts/browser/.
 */
if (browserSkip && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but ${browserSkip}`);

/** Names that run script if any page ever puts them into markup unescaped. */
const HOSTILE = [
  `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`,
  `"><svg onload=window.__pwned=3>`,
  `</title><script>window.__pwned=4</script>`,
];
const PLAIN = 'Mrs. Elizabeth Ramell Nye & Co';

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
