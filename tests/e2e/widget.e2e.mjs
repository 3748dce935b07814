// Browser tests of the chat widget (widget/frontdesk-widget.js) on the devserver's demo shop, in
// headless Chromium. `make e2e` (infra/e2e.sh) starts moto and a devserver, then runs this file
// with FRONTDESK_URL (the devserver), FRONTDESK_AGENT_TOKEN (a demo agent's ID token) and
// FRONTDESK_ORIGIN_BOUND_KEY (an acme key that only https://shop.example may use) set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.FRONTDESK_URL;
const AGENT_TOKEN = process.env.FRONTDESK_AGENT_TOKEN;
const ORIGIN_BOUND_KEY = process.env.FRONTDESK_ORIGIN_BOUND_KEY;
const API_KEY = 'fdk_local_acme_demo_key';
// The widget keeps its session under the key's first 12 characters.
const SESSION_SLOT = 'frontdesk_session_fdk_local_ac';
const TICKET_SLOT = 'frontdesk_ticket_fdk_local_ac';
const ARTIFACTS = fileURLToPath(new URL('../../target/e2e/', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let browser;

before(async () => {
  assert.ok(BASE, 'FRONTDESK_URL names the devserver to test (make e2e sets it)');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
});

after(async () => {
  await browser?.close();
});

/** Calls the API as a script would, outside the browser. */
async function api(method, path, { body, headers } = {}) {
  const response = await fetch(BASE + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const asTenant = { Authorization: `Bearer ${API_KEY}` };

/** The session the widget resumes: its id from the page's storage, the rest from the API. */
async function storedSession(page) {
  const sessionId = await page.evaluate((slot) => localStorage.getItem(slot), SESSION_SLOT);
  assert.ok(sessionId, 'the widget stored its session id');
  const { status, body } = await api('POST', '/api/chatbot/session', { body: { sessionId }, headers: asTenant });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.sessionId, sessionId, 'the stored session is resumed, not replaced');
  return body;
}

/**
 * A new visitor (fresh storage) on the demo shop, once the widget has its session. Console
 * errors (CSP refusals among them) and uncaught exceptions are collected for the tests to check.
 * `prepare(page)` runs before the page loads (to route its requests); with `withSession: false`
 * the visit does not wait for the session, and the launcher and panel are found by their names
 * before it.
 */
async function visitShop({ prepare, withSession = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await prepare?.(page);
  await page.goto(`${BASE}/demo`);
  // The business name comes from the session's answer: once the launcher shows it, the widget is ready.
  const launcher = page.getByRole('button', { name: withSession ? 'Chat with Acme Outdoor' : /^Chat with / });
  await launcher.waitFor();
  return {
    context,
    page,
    consoleErrors,
    pageErrors,
    launcher,
    dialog: page.getByRole('dialog', { name: withSession ? 'Chat with Acme Outdoor' : /^Chat/ }),
    input: page.getByLabel('Your message'),
    send: page.getByRole('button', { name: 'Send', exact: true }),
    newConversation: page.getByRole('button', { name: 'New conversation' }),
    talkToPerson: page.getByRole('button', { name: 'Talk to a person' }),
    notice: page.getByRole('status'),
    focused: () =>
      page.evaluate(() => {
        const active = document.getElementById('frontdesk-widget').shadowRoot.activeElement;
        return active ? active.id || active.className || active.getAttribute('aria-label') : null;
      }),
  };
}

/** Types a message and sends it, returning the chat response the browser got. */
async function say(widget, text) {
  const answered = widget.page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/chat`);
  await widget.input.fill(text);
  await widget.send.click();
  return answered;
}

test('a visitor chats on the shop, finds the conversation after a reload, and becomes a lead', async () => {
  const widget = await visitShop();
  const { page } = widget;
  try {
    // The widget lives in an open shadow root, and the shop's styles and its own stay apart.
    const isolation = await page.evaluate(() => {
      const host = document.getElementById('frontdesk-widget');
      const style = (element) => {
        const computed = getComputedStyle(element);
        return {
          background: computed.backgroundColor,
          textTransform: computed.textTransform,
          letterSpacing: computed.letterSpacing,
          fontFamily: computed.fontFamily,
        };
      };
      return {
        mode: host.shadowRoot?.mode,
        lightChildren: host.children.length,
        pageSheets: [...document.styleSheets].map((sheet) => new URL(sheet.href).pathname),
        pageStyleElements: document.querySelectorAll('style').length,
        shopButton: style(document.getElementById('add-tent')),
        launcher: style(host.shadowRoot.querySelector('.launcher')),
      };
    });
    assert.equal(isolation.mode, 'open');
    assert.equal(isolation.lightChildren, 0, 'no widget markup in the page');
    assert.deepEqual(isolation.pageSheets, ['/demo/shop.css'], 'no widget styles in the page');
    assert.equal(isolation.pageStyleElements, 0);
    assert.equal(isolation.shopButton.background, 'rgb(35, 64, 47)', "the shop's buttons keep their colour");
    assert.equal(isolation.shopButton.textTransform, 'uppercase', "the shop's buttons keep their case");
    // The tenant's colour applied under the page's strict CSP (no inline styles allowed)...
    assert.equal(isolation.launcher.background, 'rgb(90, 161, 151)');
    // ...and none of the shop's button or div rules reached the widget.
    assert.equal(isolation.launcher.textTransform, 'none');
    assert.equal(isolation.launcher.letterSpacing, 'normal');
    assert.ok(!isolation.launcher.fontFamily.includes('Georgia'), isolation.launcher.fontFamily);

    await widget.launcher.click();
    await widget.dialog.waitFor();
    assert.equal(await widget.dialog.getAttribute('aria-modal'), 'false');
    assert.equal(await widget.launcher.getAttribute('aria-expanded'), 'true');
    assert.equal(await widget.focused(), 'fd-input', 'opening the chat puts the cursor in the message box');

    const text = "I want to buy, I'm Ana, ana@example.com";
    const response = await say(widget, text);
    assert.equal(response.status(), 200);
    assert.match(response.request().headers()['idempotency-key'], UUID);
    const reply = (await response.json()).message;
    assert.ok(reply.length > 0);
    await page.locator('.msg.assistant', { hasText: reply }).waitFor();
    const mine = page.locator('.msg.user');
    assert.equal(await mine.count(), 1);
    assert.ok((await mine.textContent()).includes(text));
    assert.equal(await page.locator('.msg.user .state').textContent(), '', 'no sending or failed state left');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}widget-open.png` });

    await page.keyboard.press('Escape');
    await widget.dialog.waitFor({ state: 'hidden' });
    assert.equal(await widget.focused(), 'launcher', 'Escape returns focus to the launcher');
    assert.equal(await widget.launcher.getAttribute('aria-expanded'), 'false');

    const sessionId = await page.evaluate((slot) => localStorage.getItem(slot), SESSION_SLOT);
    const resumed = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/session`);
    await page.reload();
    assert.equal(JSON.parse((await resumed).request().postData()).sessionId, sessionId);
    await widget.launcher.click();
    await widget.dialog.waitFor();
    const history = await page.locator('.msg').evaluateAll((messages) =>
      messages.map((message) => [message.classList.contains('user') ? 'user' : 'assistant', message.textContent]),
    );
    assert.equal(history.length, 2, JSON.stringify(history));
    assert.equal(history[0][0], 'user');
    assert.ok(history[0][1].includes(text));
    assert.equal(history[1][0], 'assistant');
    assert.ok(history[1][1].includes(reply));

    const session = await storedSession(page);
    const lead = await api('GET', `/api/v1/lead/${encodeURIComponent(session.leadId)}`, {
      headers: { 'X-Api-Key': API_KEY },
    });
    assert.equal(lead.status, 200, JSON.stringify(lead.body));
    assert.equal(lead.body.email, 'ana@example.com');

    assert.deepEqual(widget.pageErrors, []);
    assert.deepEqual(widget.consoleErrors, [], 'no script errors and no CSP refusals');
  } finally {
    await widget.context.close();
  }
});

test('a message whose answer was lost is retried with the same Idempotency-Key and stored once', async () => {
  const widget = await visitShop();
  const { page } = widget;
  try {
    const keys = [];
    await page.route(`${BASE}/api/chatbot/chat`, async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      if (keys.length > 1) return route.continue();
      // The server gets the message and answers, but the answer never reaches the browser.
      await route.fetch();
      return route.abort('connectionreset');
    });
    await widget.launcher.click();
    await widget.input.fill('Do you ship tents to Portugal?');
    await widget.send.click();

    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.waitFor();
    assert.ok((await page.locator('.msg.user.failed').textContent()).includes('Not sent.'));
    assert.match(await widget.notice.textContent(), /Could not reach the chat/);

    const answered = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/chat`);
    await retry.click();
    assert.equal((await answered).status(), 200);
    await page.locator('.msg.assistant').waitFor();
    assert.equal(await page.locator('.msg.user.failed').count(), 0);

    assert.equal(keys.length, 2);
    assert.match(keys[0], UUID);
    assert.equal(keys[1], keys[0], 'the retry carries the first attempt’s key');
    const session = await storedSession(page);
    assert.deepEqual(
      session.messages.map((message) => message.role),
      ['user', 'assistant'],
      'the message and its reply are stored once',
    );
    assert.deepEqual(widget.pageErrors, []);
  } finally {
    await widget.context.close();
  }
});

test('429 shows a notice and holds sending for Retry-After seconds', async () => {
  const widget = await visitShop();
  const { page } = widget;
  try {
    let attempts = 0;
    await page.route(`${BASE}/api/chatbot/chat`, (route) => {
      attempts += 1;
      if (attempts > 1) return route.continue();
      return route.fulfill({
        status: 429,
        headers: { 'Retry-After': '2' },
        contentType: 'application/json',
        body: JSON.stringify({ error: 'Too many messages', code: 'rate_limited' }),
      });
    });
    await widget.launcher.click();
    await widget.input.fill('Hello?');
    const refusedAt = Date.now();
    await widget.send.click();

    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.waitFor();
    assert.match(await widget.notice.textContent(), /wait 2 seconds/);
    assert.ok(await retry.isDisabled(), 'Retry waits for Retry-After');
    assert.ok(await widget.send.isDisabled(), 'Send waits for Retry-After');

    await page.waitForFunction(
      () => !document.getElementById('frontdesk-widget').shadowRoot.querySelector('.retry').disabled,
    );
    assert.ok(Date.now() - refusedAt >= 1900, 'held for about two seconds');
    assert.ok(await widget.send.isEnabled());
    await retry.click();
    await page.locator('.msg.assistant').waitFor();
    assert.equal(attempts, 2);
  } finally {
    await widget.context.close();
  }
});

test('an expired session is replaced by a new one and the visitor is told', async () => {
  const widget = await visitShop();
  const { page } = widget;
  try {
    const firstSession = await page.evaluate((slot) => localStorage.getItem(slot), SESSION_SLOT);
    let attempts = 0;
    await page.route(`${BASE}/api/chatbot/chat`, (route) => {
      attempts += 1;
      if (attempts > 1) return route.continue();
      return route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'Session expired', code: 'session_expired' }),
      });
    });
    await widget.launcher.click();
    const renewed = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/session`);
    await widget.input.fill('Are the boots waterproof?');
    await widget.send.click();
    assert.equal(JSON.parse((await renewed).request().postData()).sessionId, null);

    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.waitFor();
    assert.match(await widget.notice.textContent(), /a new one has started/);
    const secondSession = await page.evaluate((slot) => localStorage.getItem(slot), SESSION_SLOT);
    assert.ok(secondSession && secondSession !== firstSession, 'a new session id is stored');

    const answered = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/chat`);
    await retry.click();
    const response = await answered;
    assert.equal(JSON.parse(response.request().postData()).sessionId, secondSession);
    await page.locator('.msg.assistant').waitFor();
  } finally {
    await widget.context.close();
  }
});

test('a message sent while the session is still loading stays in view, is answered once and stored once', async () => {
  let releaseSession;
  const sessionHeld = new Promise((resolve) => {
    releaseSession = resolve;
  });
  const chatRequests = [];
  const widget = await visitShop({
    withSession: false,
    prepare: async (page) => {
      // A slow stack: the session call reaches the server only when the test lets it go.
      await page.route(`${BASE}/api/chatbot/session`, async (route) => {
        await sessionHeld;
        await route.continue();
      });
      page.on('request', (request) => {
        if (request.url() === `${BASE}/api/chatbot/chat`) chatRequests.push(request);
      });
    },
  });
  const { page } = widget;
  try {
    await widget.launcher.click();
    await widget.dialog.waitFor();
    const text = 'Is the Ridgeline tent waterproof?';
    await widget.input.fill(text);
    await widget.send.click();
    const mine = page.locator('.msg.user');
    await mine.filter({ hasText: 'Sending…' }).waitFor();
    assert.ok((await mine.textContent()).includes(text));
    assert.ok(await widget.newConversation.isDisabled(), 'no new conversation while a message waits for its answer');
    assert.equal(chatRequests.length, 0, 'nothing is sent before there is a session');

    const answered = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/chat`);
    releaseSession();
    const response = await answered;
    assert.equal(response.status(), 200);
    const reply = (await response.json()).message;
    await page.locator('.msg.assistant', { hasText: reply }).waitFor();

    const shown = await page.locator('.msg').evaluateAll((messages) =>
      messages.map((message) => [message.classList.contains('user') ? 'user' : 'assistant', message.textContent]),
    );
    assert.equal(shown.length, 2, `the visitor's message and one answer: ${JSON.stringify(shown)}`);
    assert.equal(shown[0][0], 'user');
    assert.ok(shown[0][1].includes(text), 'the visitor’s message is still shown');
    assert.equal(shown[1][0], 'assistant');
    assert.equal(await page.locator('.msg.user .state').textContent(), '', 'no sending or failed state left');
    assert.ok(await widget.newConversation.isEnabled());
    assert.equal(chatRequests.length, 1, 'sent once');

    const session = await storedSession(page);
    assert.equal(JSON.parse(response.request().postData()).sessionId, session.sessionId);
    assert.deepEqual(
      session.messages.map((message) => [message.role, message.content]),
      [
        ['user', text],
        ['assistant', reply],
      ],
      'the message and its reply are stored once',
    );
    assert.deepEqual(widget.pageErrors, []);
  } finally {
    await widget.context.close();
  }
});

test('a key refused on this origin shows a neutral notice, tells the console why and disables the chat', async () => {
  assert.ok(ORIGIN_BOUND_KEY, 'FRONTDESK_ORIGIN_BOUND_KEY holds a key for another origin (make e2e sets it)');
  let sessionAnswered;
  const sent = [];
  const widget = await visitShop({
    withSession: false,
    prepare: async (page) => {
      // The demo shop with its tag carrying a key issued for https://shop.example only.
      await page.route(`${BASE}/demo`, async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replace(API_KEY, ORIGIN_BOUND_KEY);
        return route.fulfill({ response, body });
      });
      sessionAnswered = page.waitForResponse((r) => r.url() === `${BASE}/api/chatbot/session`);
      page.on('request', (request) => {
        if (request.url().startsWith(`${BASE}/api/`)) sent.push(new URL(request.url()).pathname);
      });
    },
  });
  const { page } = widget;
  try {
    const refusal = await sessionAnswered;
    assert.equal(refusal.status(), 403);
    const reason = await refusal.json();
    assert.equal(reason.code, 'origin_not_allowed');

    await widget.launcher.click();
    await widget.dialog.waitFor();
    await widget.notice.filter({ hasText: 'Chat is unavailable right now.' }).waitFor();
    const visible = await widget.dialog.innerText();
    assert.ok(!visible.includes(reason.error) && !/origin|API key/i.test(visible), visible);
    assert.ok(
      widget.consoleErrors.some((line) => line.includes(reason.error)),
      `the developer finds the server's reason in the console: ${JSON.stringify(widget.consoleErrors)}`,
    );

    assert.ok(await widget.send.isDisabled(), 'Send is disabled');
    assert.ok(await widget.input.isDisabled(), 'the message box is disabled');
    assert.ok(await widget.newConversation.isDisabled(), 'New conversation is disabled');
    assert.ok(await widget.talkToPerson.isDisabled(), 'Talk to a person is disabled');
    assert.equal(await widget.focused(), 'Close chat', 'focus lands on a control that still works');
    await page.keyboard.press('Escape');
    await widget.dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(sent, ['/api/chatbot/session'], 'nothing else is tried with a refused key');
    assert.deepEqual(widget.pageErrors, []);
  } finally {
    await widget.context.close();
  }
});

test('"Talk to a person" opens a ticket, shows the agent’s reply and stops when it is resolved', async () => {
  assert.ok(AGENT_TOKEN, 'FRONTDESK_AGENT_TOKEN holds a demo agent’s token (make e2e sets it)');
  const widget = await visitShop();
  const { page } = widget;
  try {
    await widget.launcher.click();
    const text = 'My tent pole snapped, can someone help?';
    await say(widget, text);
    await page.locator('.msg.assistant').waitFor();

    const handedOver = page.waitForResponse((r) => r.url() === `${BASE}/api/webhooks/chatbot`);
    await page.getByRole('button', { name: 'Talk to a person' }).click();
    const handoff = await handedOver;
    assert.equal(handoff.status(), 200);
    const sent = JSON.parse(handoff.request().postData());
    const session = await storedSession(page);
    assert.equal(sent.session_id, session.sessionId);
    assert.equal(sent.lead_id, session.leadId);
    assert.equal(sent.subject, 'Website chat');
    assert.equal(sent.initial_message, text);
    assert.deepEqual(
      sent.transcript.map((turn) => turn.role),
      ['user', 'assistant'],
    );
    const { ticket_id: ticketId, message } = await handoff.json();
    await page.getByRole('status').filter({ hasText: message }).waitFor();
    const remembered = await page.evaluate((slot) => JSON.parse(localStorage.getItem(slot)), TICKET_SLOT);
    assert.equal(remembered.id, ticketId);

    const asAgent = { Authorization: `Bearer ${AGENT_TOKEN}` };
    const answer = 'Hi Ana, a new pole is on its way today.';
    const added = await api('POST', `/api/tickets/${ticketId}/message`, { body: { content: answer }, headers: asAgent });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    // The widget polls every 5 s while open.
    await page.locator('.msg.agent', { hasText: answer }).waitFor({ timeout: 15000 });

    const resolved = await api('PUT', `/api/tickets/${ticketId}`, { body: { status: 'resolved' }, headers: asAgent });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    await page.getByRole('status').filter({ hasText: 'Your request has been resolved.' }).waitFor({ timeout: 15000 });
    assert.equal(await page.evaluate((slot) => localStorage.getItem(slot), TICKET_SLOT), null);
    assert.equal(await page.locator('.msg.agent').count(), 1, 'each agent reply is shown once');
    assert.deepEqual(widget.pageErrors, []);
  } finally {
    await widget.context.close();
  }
});
