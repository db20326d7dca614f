import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumPath,
  HARNESS_ADMIN,
  HARNESS_AGENT_KEY,
  ingest,
  ingestFleet,
  openBrowser,
  startHarnessServer,
} from '../../bench/dashboard.js';
import { packageRoot } from '../../src/core/index.js';

// Drives the built dashboard in Debian's Chromium against a real server fed with a synthetic fleet, and
// writes one screenshot per page to docs/screenshots/ (what the README shows).
const SHOTS = join(packageRoot(), 'docs', 'screenshots');
const FLEET = 12;

/** Non-transparent pixels of every canvas matching `sel`. */
async function inkedPixels(page: Page, sel: string): Promise<number[]> {
  return page.$$eval(sel, (els) =>
    els.map((el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    }),
  );
}

describe.skipIf(chromiumPath() === null)('dashboard in Chromium', () => {
  let server: Awaited<ReturnType<typeof startHarnessServer>>;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  const pageErrors: string[] = [];
  const t0 = Date.now();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startHarnessServer({ forecastIntervalMs: 3000 });
    await ingestFleet(server.url, HARNESS_AGENT_KEY, { prefix: 'web', hosts: FLEET, start: t0 - 3 * 3_600_000, end: t0, stepMs: 30_000 });
    // One host with more than a day of history, so its models are past learning and can flag the spike below.
    await ingestFleet(server.url, HARNESS_AGENT_KEY, { prefix: 'db', hosts: 1, start: t0 - 26 * 3_600_000, end: t0, stepMs: 60_000 });
    browser = await openBrowser(server.url, { login: false, theme: 'dark' });
    page = browser.page;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for a login, then signs in', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('input[name="password"]');
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await page.fill('input[name="password"]', 'wrong-password');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.login [role="alert"]');
    expect(await page.textContent('.login [role="alert"]')).toContain('wrong user name or password');
    await page.fill('input[name="username"]', HARNESS_ADMIN.username);
    await page.fill('input[name="password"]', HARNESS_ADMIN.password);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-page="fleet"]');
    expect(await page.textContent('.me')).toContain('admin');
  });

  it('fleet page lists every host with its usage and draws the scatter', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="hosts-table"] tbody tr[data-host]').length === n, FLEET + 1);
    const cpu = await page.$$eval('[data-testid="hosts-table"] tbody tr[data-host] td:nth-child(4) .pct-num', (els) =>
      els.map((e) => e.textContent),
    );
    expect(cpu.length).toBe(FLEET + 1);
    for (const c of cpu) expect(c).toMatch(/^\d+%$/);
    expect(await page.textContent('[data-testid="hosts-up"]')).toBe(String(FLEET + 1));
    await page.waitForSelector('canvas.scatter[data-drawn="1"]');
    const [scatter] = await inkedPixels(page, 'canvas.scatter');
    expect(scatter).toBeGreaterThan(500);
    // Label filter: role=db keeps web-1, web-5 and web-9 (synthetic roles cycle web, db, cache, worker).
    await page.fill('input[type="search"]', 'role=db');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="hosts-table"] tbody tr[data-host]').length === 3);
    await page.fill('input[type="search"]', '');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="hosts-table"] tbody tr[data-host]').length === n, FLEET + 1);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: join(SHOTS, 'fleet.png'), fullPage: true });
  });

  it('host page draws real data with axis labels, per metric group', async () => {
    await page.goto(`${server.url}/hosts/db-0?range=24h`);
    await page.waitForFunction(() => document.querySelectorAll('.chart-box[data-drawn]').length >= 12, undefined, { timeout: 20_000 });
    const charts = await page.$$eval('.chart-box', (els) =>
      els.map((e) => ({
        title: e.getAttribute('data-chart'),
        points: Number(e.getAttribute('data-points')),
        y: e.getAttribute('data-y-ticks'),
        x: e.getAttribute('data-x-ticks'),
      })),
    );
    expect(charts.map((c) => c.title)).toEqual(
      expect.arrayContaining([
        'CPU busy',
        'Memory available',
        'Filesystem used',
        'Disk read',
        'Network received',
        'Probe duration',
        'Processes',
      ]),
    );
    for (const c of charts) {
      expect(c.points, c.title ?? '').toBeGreaterThan(100);
      expect(c.y, c.title ?? '').toMatch(/\d/);
      expect(c.x, c.title ?? '').toMatch(/\d\d:\d\d/);
    }
    const ink = await inkedPixels(page, '.chart-box canvas');
    for (const n of ink) expect(n).toBeGreaterThan(1000);
    const groups = await page.$$eval('.chart-group h2', (els) => els.map((e) => e.textContent));
    expect(groups).toEqual(['CPU', 'Memory', 'Disk space', 'Disk I/O', 'Network', 'Latency probes', 'Processes']);
    await page.screenshot({ path: join(SHOTS, 'host.png'), fullPage: true });

    // Drag to zoom: the URL gets the selected window and the charts redraw over it.
    const box = (await page.$('.chart-box .u-over'))!;
    const bb = (await box.boundingBox())!;
    await page.mouse.move(bb.x + bb.width * 0.5, bb.y + bb.height / 2);
    await page.mouse.down();
    await page.mouse.move(bb.x + bb.width * 0.75, bb.y + bb.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URLSearchParams(location.search).has('from'));
    const q = await page.evaluate(() => Object.fromEntries(new URLSearchParams(location.search)));
    const span = Number(q.to) - Number(q.from);
    expect(span).toBeGreaterThan(3 * 3_600_000);
    expect(span).toBeLessThan(9 * 3_600_000);
    await page.waitForSelector('button:has-text("Reset zoom")');
  });

  it('a new anomaly appears live within 5 s', async (ctx) => {
    const probe = await page.request.get(`${server.url}/api/v1/anomalies`);
    if (probe.status() === 404) ctx.skip();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-stream="live"]');
    const now = Date.now();
    const labels = { __name__: 'node_load1', host: 'db-0', host_id: 'hid-000000', env: 'staging', role: 'web', dc: 'ams' };
    const sent = Date.now();
    await ingest(server.url, HARNESS_AGENT_KEY, [{ labels, timestamps: [now - 2000, now - 1000, now], values: [60, 64, 70] }]);
    // The feed item must be about one of the spike's samples, not any older anomaly.
    await page.waitForFunction(
      (since) =>
        [...document.querySelectorAll('[data-testid="anomaly-feed"] li')].some((li) => {
          const series = li.getAttribute('data-series') ?? '';
          return series.includes('node_load1') && series.includes('db-0') && Number(li.getAttribute('data-t')) >= since;
        }),
      now - 2000,
      { timeout: 5000 },
    );
    expect(Date.now() - sent).toBeLessThan(5000);
  });

  it('acknowledging an incident round-trips through the API', async (ctx) => {
    const list = await page.request.get(`${server.url}/api/v1/incidents?status=open`);
    if (list.status() === 404) ctx.skip();
    // The spike above opens an incident once alerting has evaluated it.
    let id: string | undefined;
    for (let k = 0; k < 40 && id === undefined; k++) {
      const r = (await (await page.request.get(`${server.url}/api/v1/incidents?status=open`)).json()) as { incidents: { id: string }[] };
      id = r.incidents[0]?.id;
      if (id === undefined) await page.waitForTimeout(500);
    }
    expect(id, 'an incident opened for the spike').toBeDefined();
    await page.goto(`${server.url}/incidents`);
    await page.waitForSelector(`[data-incident="${id}"]`);
    await page.screenshot({ path: join(SHOTS, 'incidents.png'), fullPage: true });
    await page.click(`[data-incident="${id}"] a`);
    await page.waitForSelector('[data-page="incident"] button:has-text("Acknowledge")');
    await page.click('button:has-text("Acknowledge")');
    await page.waitForSelector('[data-testid="acked"]');
    const after = (await (await page.request.get(`${server.url}/api/v1/incidents/${encodeURIComponent(id!)}`)).json()) as {
      ack: { by: string } | null;
    };
    expect(after.ack?.by).toBe('admin');
    await page.screenshot({ path: join(SHOTS, 'incident.png'), fullPage: true });
  });

  it('alerts, capacity and settings pages load; a new agent key comes with its install command and works', async () => {
    for (const name of ['incidents', 'alerts', 'capacity', 'settings']) {
      await page.goto(`${server.url}/${name}`);
      await page.waitForSelector(`[data-page="${name}"]`);
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading'), undefined, { timeout: 10_000 });
      expect(await page.$$eval('.error', (els) => els.map((e) => e.textContent))).toEqual([]);
      if (name === 'capacity') await page.waitForSelector('[data-testid="capacity-table"] .chart-box[data-drawn]', { timeout: 30_000 });
      if (name !== 'settings' && name !== 'incidents') await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    }
    await page.fill('input[placeholder="e.g. web servers"]', 'browser test');
    await page.click('button:has-text("Create key")');
    const cmd = (await (await page.waitForSelector('[data-testid="install-command"]')).textContent())!;
    const key = /--key (\S+)$/.exec(cmd)?.[1];
    expect(
      cmd.startsWith(`curl -fsS ${server.url}/agent.js -o vigil-agent.mjs && node vigil-agent.mjs --server ${server.url} --key `),
    ).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
    const accepted = await ingest(server.url, key!, [
      { labels: { __name__: 'node_load1', host: 'new-1' }, timestamps: [Date.now()], values: [0.5] },
    ]);
    expect(accepted).toBe(1);
  });

  it('a silence is created, edited and deleted on the alerts page, each step through the API', async () => {
    const silences = () =>
      page.evaluate(async () => {
        const r = await fetch('/api/v1/silences');
        const body = (await r.json()) as { silences: { match: string; comment?: string }[] };
        return body.silences.filter((x) => x.match.includes('browser-test')).map((x) => x.comment);
      });
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('[data-page="alerts"]');
    await page.click('button:has-text("New silence")');
    const form = 'form[aria-label="New silence"]';
    await page.fill(`${form} input[placeholder^="{host"]`, '{host="browser-test"}');
    await page.fill(`${form} input[placeholder="why"]`, 'before');
    await page.click(`${form} button:has-text("Create silence")`);
    const row = 'tr:has(code:text-is("{host=\\"browser-test\\"}"))';
    await page.waitForSelector(`${row} td:text-is("before")`);
    expect(await silences()).toEqual(['before']);
    await page.click(`${row} button:has-text("Edit")`);
    await page.fill('form[aria-label="Edit silence"] input[placeholder="why"]', 'after');
    await page.click('form[aria-label="Edit silence"] button:has-text("Save")');
    await page.waitForSelector(`${row} td:text-is("after")`);
    expect(await silences()).toEqual(['after']);
    page.once('dialog', (d) => void d.accept());
    await page.click(`${row} button:has-text("Delete")`);
    await page.waitForSelector(row, { state: 'detached' });
    expect(await silences()).toEqual([]);
  });

  it('keyboard: g i opens incidents, / focuses the filter, t switches the theme', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-page="fleet"]');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('search');
    await page.keyboard.press('Escape');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('g');
    await page.keyboard.press('i');
    await page.waitForSelector('[data-page="incidents"]');
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await page.waitForSelector('[data-page="fleet"]');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.keyboard.press('t');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.waitForSelector('canvas.scatter[data-drawn="1"]');
    await page.screenshot({ path: join(SHOTS, 'fleet-light.png') });
    await page.keyboard.press('t');
  });

  it('raised no script error on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
