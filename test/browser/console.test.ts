// The operator console in a real browser (Debian Chromium driven by playwright-core) against a whole local stack:
// a Telegram client writes, Anna (First line) works the ticket end to end, Boris (Second line) never sees it, and a
// socket closed by the server in the middle loses no event. Screenshots go to test-artifacts/console/ (git-ignored).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Browser, Page, Route } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelSampleRequest } from '../../infra/local/channel-samples';
import { repoRoot } from '../../infra/local/lambda-runtime';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import type { DemoTenant } from '../../infra/local/seed';
import { freePortBase } from '../support/ports';

const CHROMIUM = '/usr/bin/chromium';
// A machine without Chromium fails here with the way to get it (`.ci/run` installs it), rather than skipping quietly.
if (!existsSync(CHROMIUM)) {
  throw new Error(`The console's browser test needs Debian's Chromium at ${CHROMIUM}: apt-get install chromium`);
}
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'console');
/** The console's first load (page, script, stylesheet), gzipped, stays under this. */
const FIRST_LOAD_BUDGET_BYTES = 150 * 1024;

// A 2×2 PNG: small, but a real image the channel check (its first bytes) and the browser both accept.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

let stack: LocalStack;
let demo: DemoTenant;
let browser: Browser;

beforeAll(async () => {
  stack = await startLocalStack({ portBase: await freePortBase(), persist: false, log: () => {} });
  demo = stack.demo as DemoTenant;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function telegramSays(text: string): Promise<void> {
  const request = channelSampleRequest('telegram', stack.urls.http, demo, text, new Date());
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  expect(response.status).toBe(200);
}

/** The pages of the running test, each with what its console printed, for the report of a failure. */
const opened: Array<{ person: string; page: Page; printed: string[] }> = [];

/** A fresh browser context signed in as a demo person from the console's own sign-in page. */
async function signedIn(person: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const printed: string[] = [];
  page.on('console', (message) => printed.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => printed.push(`page error: ${error.message}`));
  opened.push({ person, page, printed });
  await page.goto(stack.urls.console);
  await page.click(`button[data-person="${person}"]`);
  await page.waitForSelector('#connection.open');
  return page;
}

/** What the page shows after a round trip: polled for longer than expect.poll's default, for a loaded machine. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

describe('the operator console in Chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  // A failed step says what each page showed: its error lines, what its console printed, and a screenshot.
  afterEach(async (context) => {
    const pages = opened.splice(0);
    if (context.task.result?.state === 'fail') await report(pages);
    // Each test starts with only its own people signed in: presence (O3) follows the pages left open.
    for (const { page } of pages)
      await page
        .context()
        .close()
        .catch(() => undefined);
  });

  async function report(pages: typeof opened): Promise<void> {
    for (const { person, page, printed } of pages) {
      const errors = await page
        .locator('.error')
        .allTextContents()
        .catch(() => []);
      await shot(page, `failed-${person}`).catch(() => undefined);
      console.error(
        `[${person}] errors shown: ${JSON.stringify(errors.filter(Boolean))}\n[${person}] console:\n${printed.join('\n')}`,
      );
    }
  }

  it('R1/R2/L1/T4/Q4/A1/M3/S4/T8: a Telegram message appears live for First line only; Anna takes it, replies with a quick reply and an image, the SLA mark clears, she closes it; a server-side reconnect loses no event', async () => {
    const anna = await signedIn('anna');
    const annaConnections = new Set(stack.gateway.connectionIds());
    const boris = await signedIn('boris');
    await anna.click('button[data-tab="unassigned"]');
    await boris.click('button[data-tab="unassigned"]');

    // L1: the new ticket appears live in Anna's Unassigned with a running SLA countdown, and never in Boris's.
    await telegramSays('Hello, my order #4471 has not arrived');
    const row = anna.locator('#rows li.row', { hasText: 'Olga Petrova' });
    await row.waitFor();
    await eventually(() => row.getAttribute('class')).toContain('sla-ok');
    await eventually(() => row.locator('.sla').textContent()).toMatch(/^warns in \d+:\d\d$/);
    await eventually(() => row.locator('.badge.unread').textContent()).toBe('1');
    await shot(anna, '1-unassigned-live');
    // Boris is connected and receiving (his Unassigned tab was read after Anna's ticket arrived too).
    await boris.click('button[data-tab="unassigned"]');
    await boris.waitForSelector('#rows li');
    expect(await boris.locator('#rows li.row', { hasText: 'Olga Petrova' }).count()).toBe(0);
    await shot(boris, '2-other-group-sees-nothing');

    // T4: take.
    await row.click();
    await anna.waitForSelector('#history li.message.client');
    await eventually(() => anna.locator('#ticket-sla').getAttribute('data-sla')).toBe('ok');
    await anna.click('#take');
    await eventually(() => anna.locator('#ticket-status').textContent()).toBe('in progress');

    // R2: the server closes Anna's socket; while she is away (her next connect code held back) the client writes
    // again; after the reconnect the message is there exactly once.
    const held: Route[] = [];
    await anna.route('**/auth/connect-code', (route: Route) => {
      held.push(route);
    });
    const annaSocket = stack.gateway.connectionIds().find((id) => annaConnections.has(id));
    expect(annaSocket).toBeDefined();
    // As a function does it in AWS: DeleteConnection on the management API.
    await new ApiGatewayManagementApiClient({ endpoint: stack.urls.management }).send(
      new DeleteConnectionCommand({ ConnectionId: annaSocket }),
    );
    await eventually(() => anna.locator('#connection').textContent()).toBe('reconnecting');
    await eventually(() => held.length).toBeGreaterThan(0);
    await telegramSays('Are you still there?');
    await shot(anna, '3-reconnecting');
    for (const route of held) await route.continue();
    await anna.unroute('**/auth/connect-code');
    await anna.waitForSelector('#connection.open');
    const missed = anna.locator('#history li.message.client', { hasText: 'Are you still there?' });
    await missed.waitFor();
    expect(await missed.count()).toBe(1);
    expect(await anna.locator('#history li.message.client').count()).toBe(2);

    // Q4: "/hel" finds the greeting; picking it renders it with the client's and the operator's names.
    await anna.fill('#reply', '/hel');
    await anna.click('#quick-replies li[data-template="hello"]');
    await eventually(() => anna.inputValue('#reply')).toBe('Hello Olga Petrova! My name is Anna; how can I help?');
    await shot(anna, '4-quick-reply');
    await anna.click('#send');
    const greeting = anna.locator('#history li.message.operator', { hasText: 'My name is Anna' });
    await greeting.waitFor();
    // M3: the fake Telegram took it: one tick.
    await expect.poll(() => greeting.locator('.mark').textContent(), { timeout: 10_000 }).toBe('✓');
    // S2/S4: the reply stopped the clock; the mark clears in the ticket and in the list.
    await eventually(() => anna.locator('#ticket-sla').getAttribute('data-sla')).toBe('none');

    // A1: an image, uploaded straight to S3 from the browser, sent, and shown from its download URL.
    await anna.setInputFiles('#attach', { name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
    await anna.waitForSelector('.chip[data-upload="receipt.png"]');
    await anna.click('#send');
    const image = anna.locator('#history li.message.operator img[alt="receipt.png"]');
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((element: unknown) => (element as { naturalWidth: number }).naturalWidth))
      .toBe(2);
    await shot(anna, '5-replied');

    // The channel received both: the greeting as text, the image as a photo.
    const sent = await stack.fakeChannels.waitForCalls('/bot', 2, 10_000);
    const paths = sent.map((call) => call.path);
    expect(paths.some((callPath) => callPath.endsWith('/sendMessage'))).toBe(true);
    expect(paths.some((callPath) => callPath.endsWith('/sendPhoto'))).toBe(true);
    const text = sent.find((call) => call.path.endsWith('/sendMessage'))?.body as { text?: string };
    expect(text.text).toBe('Hello Olga Petrova! My name is Anna; how can I help?');

    // The Mine tab lists it with no SLA mark; T8: closing takes it off Mine.
    await anna.click('button[data-tab="mine"]');
    const mine = anna.locator('#rows li.row', { hasText: 'Olga Petrova' });
    await mine.waitFor();
    expect(await mine.getAttribute('class')).toContain('sla-none');
    await anna.click('#close');
    await eventually(() => anna.locator('#ticket-status').textContent()).toBe('closed');
    await eventually(() => mine.count()).toBe(0);
    await anna.waitForSelector('#history li.note em');
    await shot(anna, '6-closed');
    expect(await boris.locator('#rows li.row', { hasText: 'Olga Petrova' }).count()).toBe(0);
  }, 120_000);

  it('S3/S4/M10: a waiting client turns the row amber at the warning threshold, live, counting down to the deadline; a typed reply survives a reload as a draft', async () => {
    const anna = await signedIn('anna');
    await telegramSays('Is anybody there? Second question.');
    const row = anna.locator('#rows li.row', { hasText: 'Second question' });
    await row.waitFor();
    await eventually(() => row.getAttribute('class')).toContain('sla-ok');
    // The demo thresholds: warning at 30 s, deadline at 60 s; the mark is pushed within a second or two of 30 s.
    await expect.poll(() => row.getAttribute('class'), { timeout: 45_000, interval: 500 }).toContain('sla-warning');
    await eventually(() => row.locator('.sla').textContent()).toMatch(/^due in 0:[0-3]\d$/);
    await shot(anna, '7-sla-warning');

    // M10: typed, kept a second later, and there again after a reload (which signs in again from the session).
    await row.click();
    await anna.waitForSelector('#history li.message.client');
    await eventually(() => anna.locator('#ticket-sla').getAttribute('data-sla')).toBe('warning');
    await anna.fill('#reply', 'Let me check that for you');
    await anna.waitForTimeout(1_500);
    await anna.reload();
    await anna.waitForSelector('#connection.open');
    await anna.locator('#rows li.row', { hasText: 'Second question' }).click();
    await eventually(() => anna.inputValue('#reply')).toBe('Let me check that for you');
  }, 90_000);

  it('T5/S3/C1/C4/C5/C9/M7/M8/RP1: the admin assigns the waiting ticket, past its deadline, to Anna (her Mine gains it live), notes, marks VIP, pins and favours the client, tags a message, finds the first ticket by a word and reads the reports', async () => {
    const anna = await signedIn('anna');
    await anna.click('button[data-tab="mine"]');
    const ada = await signedIn('admin');
    await ada.click('button[data-tab="all"]');
    const waiting = ada.locator('#rows li.row', { hasText: 'Second question' });
    await waiting.click();
    await ada.waitForSelector('#history li.message.client');

    // T5: the admin picks Anna by name; the deadline passes meanwhile (S3: the mark turns red live, in the ticket and
    // its row) and the choice survives that pushed change; the ticket lands in Anna's Mine without a reload.
    const annaOption = ada.locator('#assign-to option[data-name="Anna"]');
    await eventually(() => annaOption.textContent()).toBe('● Anna');
    await ada.selectOption('#assign-to', { value: (await annaOption.getAttribute('value')) ?? '' });
    await expect
      .poll(() => ada.locator('#ticket-sla').getAttribute('data-sla'), { timeout: 45_000, interval: 500 })
      .toBe('breached');
    await eventually(() => waiting.getAttribute('class')).toContain('sla-breached');
    await eventually(() => waiting.locator('.sla').textContent()).toMatch(/^overdue \d+:\d\d$/);
    await shot(ada, '8-sla-breached');
    await ada.click('#assign-to + button');
    await eventually(() => ada.locator('.assignee').textContent()).toBe('assigned to Anna');
    await anna.locator('#rows li.row', { hasText: 'Second question' }).waitFor();

    // C4, C1/C7, C5, C9 in the client pane.
    await ada.fill('#note-text', 'Prefers e-mail');
    await ada.click('#note-text + button');
    await ada.locator('#notes li', { hasText: 'Prefers e-mail' }).waitFor();
    await ada.click('#vip');
    await eventually(() => ada.locator('#profile h3').textContent()).toBe('★ Olga Petrova');
    await ada.click('#pin');
    await ada.waitForSelector('#unpin');
    await ada.click('#watch');
    await eventually(() => ada.locator('#watch').textContent()).toBe('★ Favourite');

    // M7: "#" on the client's message tags it; the Tags view counts it.
    ada.once('dialog', (dialog: { accept(text: string): Promise<void> }) => void dialog.accept('complaint'));
    await ada.locator('#history li.message.client .tag-button').first().click();
    await ada.locator('#history li.message.client .tag', { hasText: '#complaint' }).waitFor();
    await ada.click('button[data-tab="tags"]');
    await eventually(() => ada.locator('#tags li[data-tag="complaint"] .badge').textContent()).toBe('1');
    await ada.click('button[data-tab="favourites"]');
    await ada.locator('.list li.row', { hasText: '★ Olga Petrova' }).waitFor();

    // M8: the first ticket, found by a word of its first message once the stream has indexed it.
    await stack.streams.drain();
    await ada.fill('#search', 'arrived');
    await ada.press('#search', 'Enter');
    await ada.locator('#search-results li.row', { hasText: '#1 Olga Petrova' }).waitFor();

    // RP1: Anna closed one ticket today; the chart above the table has the tenant's seven days, today's opened bar
    // the figure the server gives for today, and the seven opened bars add up to the tenant's row of the table.
    await stack.streams.drain();
    const dailyReply = ada.waitForResponse((response) => response.url().includes('by=tenant&interval=day'), {
      timeout: 30_000,
    });
    await ada.click('button[data-tab="reports"]');
    const annaRow = ada.locator('#report tr', { hasText: 'Anna' });
    await annaRow.waitFor({ timeout: 30_000 });
    expect(await annaRow.locator('td').nth(1).textContent()).toBe('1');
    const daily = (await (await dailyReply).json()) as {
      to: string;
      rows: Array<{ day: string; ticketsOpened: number }>;
    };
    const openedToday = daily.rows.find((row) => row.day === daily.to)?.ticketsOpened ?? 0;
    expect(openedToday).toBeGreaterThanOrEqual(2); // the first question and the second, both written today
    const chart = ada.locator('#report-chart');
    await chart.waitFor({ timeout: 30_000 });
    expect(await chart.locator('g[data-day]').count()).toBe(7);
    expect(await chart.locator('g[data-day]').last().getAttribute('data-day')).toBe(daily.to);
    const todayOpened = chart.locator(`g[data-day="${daily.to}"] rect.opened`);
    expect(await todayOpened.locator('title').textContent()).toBe(`${daily.to}: ${openedToday} opened`);
    expect(await todayOpened.getAttribute('data-value')).toBe(String(openedToday));
    expect(await chart.locator('rect.opened').count()).toBe(7);
    const openedBars = await chart
      .locator('rect.opened')
      .evaluateAll((bars) => bars.reduce((sum, bar) => sum + Number(bar.getAttribute('data-value')), 0));
    await ada.selectOption('#report-by', 'tenant');
    const tenantRow = ada.locator('#report tr').filter({ has: ada.locator('th', { hasText: /^All$/ }) });
    await tenantRow.waitFor({ timeout: 30_000 });
    expect(await tenantRow.locator('td').nth(0).textContent()).toBe(String(openedBars));
    await shot(ada, '9-admin-reports');
  }, 120_000);

  it('O3/T5/X1/M9/L2: the supervisor sees Anna online in the team list and the assign picker (and can filter All by her) and offline live once her page closes; Anna sees only her group; a transcript e-mailed from the ticket view reaches the mailbox', async () => {
    const anna = await signedIn('anna');
    const sam = await signedIn('supervisor');
    await telegramSays('Could you e-mail me this conversation?');
    await sam.click('button[data-tab="all"]');
    await sam.locator('#rows li.row', { hasText: 'e-mail me this conversation' }).click();
    await sam.locator('#history li.message.client', { hasText: 'e-mail me this conversation' }).waitFor();

    // O3: Anna is online in the supervisor's team list and beside her name in the assign picker (T5).
    await sam.click('#team summary');
    const annaInTeam = sam.locator('#team li[data-name="Anna"]');
    await eventually(() => annaInTeam.getAttribute('data-online')).toBe('true');
    await eventually(() => sam.locator('#team li[data-name="Boris"]').getAttribute('data-online')).toBe('false');
    const annaOption = sam.locator('#assign-to option[data-name="Anna"]');
    await eventually(() => annaOption.textContent()).toBe('● Anna');
    expect(await sam.locator('#assign-to option[data-name="Boris"]').textContent()).toBe('○ Boris');
    // L2: the supervisor filters All by an operator picked from the same directory.
    await eventually(() => sam.locator('#filter-operator option').allTextContents()).toEqual(
      expect.arrayContaining(['Every operator', 'Anna', 'Boris']),
    );
    await shot(sam, '10-team-online');

    // X1/T5: Anna's team is her group: herself, never Boris of the other group or the staff.
    await anna.click('#team summary');
    await anna.locator('#team li[data-name="Anna"]').waitFor();
    expect(
      await anna.locator('#team li').evaluateAll((items) => items.map((item) => item.getAttribute('data-name'))),
    ).toEqual(['Anna']);
    expect(await anna.locator('#team summary').textContent()).toBe('Team · 1 online');

    // O3: her page closes; the supervisor sees her go offline without a reload, in the list and in the picker.
    await anna.context().close();
    await eventually(() => annaInTeam.getAttribute('data-online')).toBe('false');
    await eventually(() => annaOption.textContent()).toBe('○ Anna');
    await shot(sam, '11-team-offline');

    // M9: a refused address shows the server's reason; then the ticked message goes to the client's mailbox.
    await sam.click('#transcript summary');
    await sam.fill('#transcript-to', 'not-an-address');
    await sam.click('#transcript-send');
    await eventually(() => sam.locator('#transcript-result.error').textContent()).toContain('e-mail address');
    await sam
      .locator('#history li.message.client', { hasText: 'e-mail me this conversation' })
      .locator('.pick')
      .check();
    await eventually(() => sam.locator('#transcript-scope').textContent()).toBe('1 selected message');
    await sam.fill('#transcript-to', 'olga@example.com');
    await sam.fill('#transcript-subject', 'Our conversation, as promised');
    await sam.click('#transcript-send');
    await eventually(() => sam.locator('#transcript-result.sent').textContent()).toBe(
      'Sent 1 message to olga@example.com.',
    );
    await shot(sam, '12-transcript-sent');
    const mailed = async () => {
      const store = (await (await fetch(`${stack.urls.ses}/store`)).json()) as {
        emails: Array<{ subject: string; destination: { to: string[] }; body: { text: string } }>;
      };
      return store.emails.find((email) => email.subject === 'Our conversation, as promised');
    };
    await eventually(async () => (await mailed())?.destination.to).toEqual(['olga@example.com']);
    expect((await mailed())?.body.text).toContain('Could you e-mail me this conversation?');
  }, 90_000);
});

describe('the operator console as served', () => {
  it('X2: the local sign-in mints a token for a demo person only; the token works on the HTTP API', async () => {
    const refused = await fetch(`${stack.urls.console}/demo-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ person: 'mallory' }),
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: { code: 'not_found', message: 'No such demo person.' } });
    const local = (await (await fetch(`${stack.urls.console}/local.json`)).json()) as {
      webSocketUrl: string;
      demoPeople: Array<{ key: string }>;
    };
    expect(local.webSocketUrl).toBe(stack.urls.webSocket);
    expect(local.demoPeople.map((person) => person.key)).toEqual(['admin', 'supervisor', 'anna', 'boris']);
    const minted = await fetch(`${stack.urls.console}/demo-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ person: 'anna' }),
    });
    const { accessToken } = (await minted.json()) as { accessToken: string };
    const me = await fetch(`${stack.urls.http}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await me.json()) as { operatorId: string }).operatorId).toBe(demo.operators.anna);
  });

  it(`R1: the console's first load is under ${FIRST_LOAD_BUDGET_BYTES / 1024} KB gzipped`, async () => {
    const page = await (await fetch(stack.urls.console)).text();
    const assets = [...page.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.sort()).toEqual(['/console/app.css', '/console/app.js']);
    let total = gzipSync(page).length;
    for (const asset of assets) {
      const response = await fetch(`${stack.urls.http}${asset}`);
      expect(response.status).toBe(200);
      total += gzipSync(Buffer.from(await response.arrayBuffer())).length;
    }
    console.log(`console first load: ${total} bytes gzipped`);
    expect(total).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
  });
});
