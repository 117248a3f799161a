// The operator console's page in a real headless Chromium (playwright-core driving Debian's
// chromium) against the real daemon, console and Asterisk: log in with a token, see the
// board, close an open number from the override dialog, and a real SIP call placed at once
// is handled as closed; the audit list names the user. Screenshots of the board and the week
// view, at desktop and phone width, go to test-artifacts/console/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseEvent } from '../../src/events/validate';
import { listAudit } from '../../src/store/auditLog';
import { makeTone } from '../support/audioFixtures';
import { chromiumPath, startConsole, type RunningConsole } from '../support/consoleProcess';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call } from '../support/sipp';
import { redisUrl, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

const artifacts = join(repoRoot, 'test-artifacts', 'console');
const DESKTOP = { width: 1100, height: 720 };
const PHONE = { width: 390, height: 800 };

describe('the console page in a real browser, with real calls', () => {
  const prefix = uniquePrefix('console');
  const hotline = uniqueDid();
  const office = uniqueDid();
  let redis: Redis;
  let daemon: RunningDaemon;
  let consoleApp: RunningConsole;
  let browser: Browser;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    redis = new Redis(redisUrl);
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${hotline}", name: "Hotline", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: rejected } } }`,
        `  - { did: "${office}", name: "Back office", hours: { mon-fri: ["08:00-12:00", "13:00-17:00"] }, daysOff: [sat, sun] }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix });
    consoleApp = await startConsole({ prefix, configFile });
    token = consoleApp.token('alice', 'operator');
    await daemon.waitHealthy();
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'Europe/London' });
    page = await context.newPage();
  });

  afterAll(async () => {
    // Chromium may take its time to go under load; the rest is stopped either way.
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([browser?.close(), new Promise((r) => (giveUp = setTimeout(r, 15_000)))]);
    // Else the 15 s timer held jest that long after the file.
    clearTimeout(giveUp);
    await consoleApp?.stop();
    await daemon?.stop();
    redis?.disconnect();
  });

  const card = (did: string) => page.locator(`article.card[data-did="${did}"]`);

  test('log in with a token and see every number on the board', async () => {
    await page.goto(consoleApp.url);
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
    await card(hotline).waitFor();
    await expectText(card(hotline).locator('.state'), 'open');
    await expectText(card(hotline).locator('.reason'), 'working hours');
    await expectText(page.locator('#who'), 'alice (operator)');
    expect(await card(office).count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'board-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(artifacts, 'board-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);
  });

  test('a closed override set in the page makes the next real call closed at once', async () => {
    expect((await daemon.decision(hotline)).open).toBe(true);
    await card(hotline).locator('button.set-override').click();
    await page.check('#override-form input[name=state][value=closed]');
    await page.fill('#override-form textarea[name=note]', 'fire drill');
    const clickedAt = Date.now();
    await page.click('#override-save');
    // No wait for the page or the daemon: the call goes out right after the click.
    const r = await call({ to: hotline, expect: 403 });
    const inviteAt = r.messages.find((m) => m.direction === 'sent' && m.method === 'INVITE')?.at ?? NaN;
    process.stdout.write(`console click -> INVITE sent: ${inviteAt - clickedAt} ms; INVITE -> 403: ${r.setupMs} ms\n`);
    expect(r.finalCode).toBe(403);
    expect(r.sent200).toBe(false);
    const closedEvent = async () => {
      for (const [, fields] of await redis.xrange(`${prefix}events`, '-', '+')) {
        const parsed = parseEvent(fields[fields.indexOf('event') + 1]!);
        if (parsed.ok && parsed.event.did === hotline) return parsed.event;
      }
      return undefined;
    };
    expect(await eventually(async () => (await closedEvent()) !== undefined, 10_000)).toBe(true);
    expect(await closedEvent()).toEqual(expect.objectContaining({ reason: 'override', action: 'hangup' }));
    await expectText(card(hotline).locator('.state'), 'closed');
    await expectText(card(hotline).locator('.override'), 'fire drill');
    await page.screenshot({ path: join(artifacts, 'board-override-desktop.png'), fullPage: true });
  });

  test('a scheduled override from the dialog (from … until …) is listed on the card; the number stays as it is until then', async () => {
    const tomorrow = DateTime.now().setZone('Europe/London').plus({ days: 1 });
    const at = (h: number) => tomorrow.set({ hour: h, minute: 0 }).toFormat("yyyy-LL-dd'T'HH:mm");
    const stateBefore = await card(office).locator('.state').innerText();
    await card(office).locator('button.set-override').click();
    await page.selectOption('#override-form select[name=expiry]', 'window');
    await page.fill('#override-form input[name=from]', at(14));
    await page.fill('#override-form input[name=until]', at(18));
    await page.fill('#override-form textarea[name=note]', 'staff meeting');
    await page.click('#override-save');
    await expectText(card(office).locator('.override'), 'staff meeting');
    expect(await card(office).locator('.override').innerText()).toContain('scheduled: closed');
    expect(await card(office).locator('.state').innerText()).toBe(stateBefore);
    const [stored] = (await redis.hvals(`${prefix}overrides`))
      .flatMap((v) => JSON.parse(v) as Array<{ did: string; from: number; until: number }>)
      .filter((o) => o.did === office);
    expect(stored).toEqual(
      expect.objectContaining({
        from: tomorrow.set({ hour: 14, minute: 0, second: 0, millisecond: 0 }).toMillis(),
        until: tomorrow.set({ hour: 18, minute: 0, second: 0, millisecond: 0 }).toMillis(),
      }),
    );
  });

  test("the audit list shows the change with the user's name, door and note", async () => {
    await page.click('[data-tab=audit]');
    const row = page.locator('#audit-list tr', { hasText: hotline }).filter({ hasText: 'override.set' }).first();
    await row.waitFor();
    await expectText(row.locator('.actor'), 'alice');
    expect(await row.innerText()).toContain('page');
    expect(await row.innerText()).toContain(hotline);
    expect(await row.innerText()).toContain('fire drill');
  });

  test('recent calls list the rejected call; the CRM tab shows the delivery state', async () => {
    await page.click('[data-tab=calls]');
    const row = page.locator('#calls-list tr', { hasText: hotline }).first();
    await row.waitFor();
    expect(await row.innerText()).toMatch(/override\s+hangup/);
    await page.click('[data-tab=crm]');
    await expectText(page.locator('#crm-state'), 'pending: 0');
  });

  test("the week view, in the number's zone and the viewer's, at desktop and phone width; Polish on the switch", async () => {
    await page.click('[data-tab=board]');
    await card(office).locator('button', { hasText: 'Week' }).click();
    await page.locator('#week-view .day').first().waitFor();
    const columns = page.locator('#week-view .zones > div');
    expect(await columns.count()).toBe(2);
    expect(await columns.nth(0).innerText()).toContain('Europe/Warsaw');
    expect(await columns.nth(1).innerText()).toContain('Europe/London');
    expect(await columns.nth(0).locator('.day').count()).toBe(7);
    expect(await columns.nth(0).innerText()).toMatch(/08:00–12:00, 13:00–17:00/);
    expect(await columns.nth(1).innerText()).toMatch(/07:00–11:00, 12:00–16:00/);
    await page.screenshot({ path: join(artifacts, 'week-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(artifacts, 'week-phone.png'), fullPage: true });
    await page.click('[data-lang=pl]');
    await expectText(page.locator('[data-tab=board]'), 'Numery');
    await page.setViewportSize(DESKTOP);
  });

  test('an admin uploads an MP3 from the Sounds tab at phone width: listed, playable, on the audit trail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-page-sound-'));
    const mp3 = makeTone(dir, 'Wesołych Świąt.mp3', { seconds: 2, padBefore: 0.5 });
    const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB', timezoneId: 'Europe/London' });
    const admin = await context.newPage();
    try {
      await admin.goto(consoleApp.url);
      await admin.fill('#token', consoleApp.token('ada', 'admin'));
      await admin.click('#login button[type=submit]');
      await admin.click('[data-tab=sounds]');
      await admin.setInputFiles('#sound-upload input[name=file]', mp3);
      // The name is suggested from the file's name.
      expect(await admin.inputValue('#sound-upload input[name=name]')).toBe('wesolych-swiat');
      await admin.click('#sound-upload button[type=submit]');
      const soundCard = admin.locator('article.sound[data-name="wesolych-swiat"]');
      await soundCard.waitFor({ timeout: 20_000 });
      expect(await soundCard.innerText()).toContain('Wesołych Świąt.mp3');
      // The <audio> element's source is the stored 8 kHz WAV, fetched with the session.
      const src = await soundCard.locator('audio').getAttribute('src');
      const wav = await admin.evaluate(async (url) => {
        const res = await fetch(url!);
        const b = new DataView(await res.arrayBuffer());
        return { status: res.status, channels: b.getUint16(22, true), rate: b.getUint32(24, true) };
      }, src);
      expect(wav).toEqual({ status: 200, channels: 1, rate: 8000 });
      await admin.screenshot({ path: join(artifacts, 'sounds-phone.png'), fullPage: true });
      const { entries } = await listAudit(redis, prefix, { action: 'sound.' });
      expect(entries.map((e) => [e.action, e.target, e.actor, e.door])).toEqual([['sound.add', 'wesolych-swiat', 'ada', 'page']]);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an admin reads what a version changed and rolls back from the Config tab; an operator has no such tab', async () => {
    expect(await page.locator('[data-tab=versions]').isHidden()).toBe(true); // alice is an operator
    const adminToken = consoleApp.token('grace', 'admin');
    const yaml = (officeHours: string) =>
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${hotline}", name: "Hotline", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: rejected } } }`,
        `  - { did: "${office}", name: "Back office", hours: { mon-fri: ${officeHours} }, daysOff: [sat, sun] }`,
        '',
      ].join('\n');
    for (const [hours, note] of [
      ['["08:00-12:00", "13:00-17:00"]', 'winter'],
      ['"09:00-17:00"', 'later start'],
    ]) {
      const res = await fetch(`${consoleApp.url}/api/config`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ yaml: yaml(hours!), note }),
      });
      expect(res.status).toBe(200);
    }
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'Europe/London' });
    const admin = await context.newPage();
    try {
      await admin.goto(consoleApp.url);
      await admin.fill('#token', adminToken);
      await admin.click('#login button[type=submit]');
      await admin.click('[data-tab=versions]');
      const row = (v: number) => admin.locator(`#version-list tr[data-version="${v}"]`);
      await row(2).waitFor();
      expect(await row(2).innerText()).toContain('in force');
      expect(await row(2).innerText()).toContain('later start');
      expect(await row(1).locator('.show-diff').count()).toBe(0); // nothing older to compare with
      await row(2).locator('.show-diff').click();
      await expectText(admin.locator('#version-diff-title'), 'Changes from version 1 to 2');
      expect(await admin.locator('#version-diff .del').allInnerTexts()).toEqual([expect.stringContaining('"08:00-12:00", "13:00-17:00"')]);
      expect(await admin.locator('#version-diff .add').allInnerTexts()).toEqual([expect.stringContaining('"09:00-17:00"')]);
      await admin.screenshot({ path: join(artifacts, 'versions-desktop.png'), fullPage: true });
      admin.once('dialog', (d) => void d.accept());
      await row(1).locator('.rollback').click();
      await row(3).waitFor();
      expect(await row(3).innerText()).toContain('rollback to 1');
      await expectText(admin.locator('#version-notice'), 'Version 3 is in force (the text of version 1).');
      const { entries } = await listAudit(redis, prefix, { action: 'config.' });
      expect(entries.map((e) => [e.action, e.actor, e.door])).toContainEqual(['config.rollback', 'grace', 'page']);
      // The daemon switched to the rolled-back text: the office's split day is back.
      expect(await eventually(async () => String((await daemon.decision(office)).configVersion) === '3', 10_000)).toBe(true);
    } finally {
      await context.close();
    }
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
}
