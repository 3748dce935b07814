/*
 * Frontdesk chat widget: one tag puts a tenant's Frontdesk chat on any website.
 *
 *   <script src="https://API/widget/frontdesk-widget.js" data-api-key="fdk_…" defer></script>
 *
 * Plain ES2020, no dependencies, no build step. It never turns strings into code, writes no
 * inline handlers or style attributes, and keeps its markup and styles in a shadow root, so it
 * runs under a strict Content-Security-Policy and the page's CSS and its own never meet.
 */
(() => {
  'use strict';

  // Only readable while the script first runs.
  const script = document.currentScript || document.querySelector('script[src*="frontdesk-widget"]');
  if (!script || window.FrontdeskWidget) return;

  const MAX_CHARS = 4000;
  const POLL_MS = 5000;
  const data = script.dataset;
  const base = (data.apiBase || new URL(script.src, location.href).origin).replace(/\/+$/, '');
  const internal = data.internal !== undefined && data.internal !== 'false';
  const apiKey = data.apiKey || '';
  const credential = internal ? data.agentToken || '' : apiKey;
  const suffix = internal ? '/internal' : '';
  // The key's prefix keeps two tenants' widgets on one site apart without storing the key itself.
  const slot = internal ? 'internal' : apiKey.slice(0, 12);
  const sessionKey = 'frontdesk_session_' + slot;
  const ticketKey = 'frontdesk_ticket_' + slot;
  const primary =
    data.primaryColor && CSS.supports('color', data.primaryColor) ? data.primaryColor : '#5AA197';

  // Storage can be refused (private modes, sandboxed frames): the chat then lasts the page.
  const storage = {
    get(key) {
      try {
        return localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value == null) localStorage.removeItem(key);
        else localStorage.setItem(key, value);
      } catch {
        /* see above */
      }
    },
  };

  // randomUUID exists only in secure contexts; plain-http sites get 128 random bits another way.
  const newId = () =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

  const h = (tag, props, ...children) => {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === 'text') el.textContent = value;
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (value != null) el.setAttribute(name, value);
    }
    el.append(...children);
    return el;
  };

  async function api(method, path, body, headers) {
    const init = { method, headers: { Authorization: 'Bearer ' + credential, ...headers } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(base + path, init);
    } catch {
      return { ok: false, status: 0, data: {} };
    }
    const payload = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data: payload, retryAfter: response.headers.get('Retry-After') };
  }

  const problem = (res) =>
    res.status === 0
      ? 'Could not reach the chat. Check your connection and try again.'
      : res.data.error || 'Something went wrong. Please try again.';
  // A refused key or origin is the site developer's to fix (the console says why), not the visitor's.
  const refused = (res) => res.status === 401 || res.data.code === 'origin_not_allowed';

  // ---------------------------------------------------------------- view

  const CSS_TEXT = `
:host{all:initial!important}
*{box-sizing:border-box;margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.launcher,.panel{position:fixed;right:20px;z-index:2147483000}
.left .launcher,.left .panel{right:auto;left:20px}
.launcher{bottom:20px;width:56px;height:56px;border:0;border-radius:50%;background:var(--fd-primary);color:var(--fd-on-primary);cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher svg{width:26px;height:26px;fill:currentColor;vertical-align:middle}
.panel{bottom:88px;width:min(370px,calc(100vw - 32px));height:min(540px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;color:#1f2328;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}
header{display:flex;align-items:center;padding:10px 8px 10px 14px;background:var(--fd-primary);color:var(--fd-on-primary)}
h2{flex:1;font-size:15px;font-weight:600}
button{cursor:pointer;border:1px solid #d0d7de;border-radius:6px;background:#fff;color:#1f2328;padding:4px 10px;font-size:13px}
button:disabled{opacity:.55;cursor:default}
button:focus-visible,textarea:focus-visible{outline:2px solid var(--fd-primary);outline-offset:2px}
header button{border-color:transparent;background:transparent;color:inherit;font-size:22px;line-height:1;padding:0 8px}
.tools{display:flex;gap:6px;padding:8px 14px;border-bottom:1px solid #e5e7eb}
.notice{padding:8px 14px;background:#fff8e1;font-size:13px}
.log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px}
.msg{max-width:85%;padding:8px 11px;border-radius:12px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere}
.user{align-self:flex-end;background:var(--fd-primary);color:var(--fd-on-primary)}
.agent{border:1px solid var(--fd-primary);background:#fff}
.who{display:block;font-size:11px;font-weight:600}
.state{display:block;font-size:11px;margin-top:2px}
.state:empty{display:none}
.failed{background:#fdecea;color:#8a1c13}
.failed button{margin-left:6px;padding:1px 8px;font-size:12px}
form{display:flex;gap:8px;align-items:flex-end;padding:10px 14px;border-top:1px solid #e5e7eb}
.field{flex:1;display:flex;flex-direction:column;gap:2px}
label,.count{font-size:12px;color:#57606a}
textarea{width:100%;height:60px;resize:none;padding:8px;border:1px solid #d0d7de;border-radius:8px;background:#fff;color:#1f2328}
.send{padding:8px 14px;border-color:var(--fd-primary);background:var(--fd-primary);color:var(--fd-on-primary)}
`;

  const svg = (path) => {
    const ns = 'http://www.w3.org/2000/svg';
    const icon = document.createElementNS(ns, 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('aria-hidden', 'true');
    const shape = document.createElementNS(ns, 'path');
    shape.setAttribute('d', path);
    icon.append(shape);
    return icon;
  };

  const launcher = h(
    'button',
    { type: 'button', class: 'launcher', 'aria-label': 'Chat with us', 'aria-expanded': 'false', 'aria-controls': 'fd-panel' },
    svg('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z'),
  );
  const title = h('h2', { text: 'Chat' });
  const closeButton = h('button', { type: 'button', 'aria-label': 'Close chat', text: '×' });
  const newButton = h('button', { type: 'button', text: 'New conversation' });
  const personButton = h('button', { type: 'button', text: 'Talk to a person', hidden: internal ? '' : null });
  const notice = h('div', { id: 'fd-notice', class: 'notice', role: 'status', hidden: '' });
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  const input = h('textarea', { id: 'fd-input', maxlength: String(MAX_CHARS), rows: '3' });
  const count = h('span', { class: 'count', hidden: '' });
  const sendButton = h('button', { type: 'submit', class: 'send', text: 'Send' });
  const form = h(
    'form',
    null,
    h('div', { class: 'field' }, h('label', { for: 'fd-input', text: 'Your message' }), input, count),
    sendButton,
  );
  const panel = h(
    'div',
    // Described by the notice, so one given while the panel was closed is heard on opening.
    { id: 'fd-panel', class: 'panel', role: 'dialog', 'aria-modal': 'false', 'aria-label': 'Chat', 'aria-describedby': 'fd-notice', hidden: '' },
    h('header', null, title, closeButton),
    h('div', { class: 'tools' }, newButton, personButton),
    notice,
    log,
    form,
  );

  const host = h('div', { id: 'frontdesk-widget' });
  const shadow = host.attachShadow({ mode: 'open' });
  // Constructed sheets are CSSOM, which a CSP without 'unsafe-inline' styles still allows.
  if ('adoptedStyleSheets' in shadow && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS_TEXT);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(h('style', { text: CSS_TEXT }));
  }
  shadow.append(h('div', { class: data.position === 'bottom-left' ? 'left' : '' }, launcher, panel));
  host.style.setProperty('--fd-primary', primary);

  // Text on the tenant's colour in whichever of white or near-black contrasts more with it.
  function pickTextColour() {
    const [r, g, b] = (getComputedStyle(launcher).backgroundColor.match(/[\d.]+/g) || [])
      .slice(0, 3)
      .map((v) => v / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    const light = 0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05;
    host.style.setProperty('--fd-on-primary', 1.05 / light >= light / 0.05 ? '#fff' : '#111');
  }

  // ---------------------------------------------------------------- conversation

  let sessionId = null;
  let leadId = null;
  let businessName = '';
  let turns = []; // what the visitor and the assistant said, for a handoff's transcript
  let sending = false;
  let unavailable = false;
  // Messages typed before there was a session for them (loading, or failed): kept below its history.
  const unsent = new Set();
  let blockedUntil = 0;
  let ticket = null; // { id, seen: last agent message shown, session }
  let pollTimer = 0;
  let polling = false;

  const notify = (text) => {
    notice.textContent = text || '';
    notice.hidden = !text;
  };
  const isOpen = () => !panel.hidden;
  const canSend = () => !unavailable && !sending && Date.now() >= blockedUntil;
  const refresh = () => {
    sendButton.disabled = !canSend();
    for (const retry of log.querySelectorAll('.retry')) retry.disabled = !canSend();
    input.disabled = unavailable;
    // A new conversation mid-send would get the old one's answer.
    newButton.disabled = unavailable || sending;
    personButton.disabled = unavailable || Boolean(ticket);
  };

  function report(res) {
    if (!refused(res)) return notify(problem(res));
    console.error('Frontdesk chat is unavailable: ' + (res.data.error || 'HTTP ' + res.status));
    unavailable = true;
    notify('Chat is unavailable right now.');
    refresh();
    if (isOpen()) closeButton.focus();
  }
  const scrollDown = () => {
    log.scrollTop = log.scrollHeight;
  };

  function addMessage(role, text, before = null) {
    const who = role === 'user' ? 'You' : role === 'agent' ? 'Support agent' : businessName || 'Assistant';
    const el = h('div', { class: 'msg ' + role }, h('span', { class: role === 'agent' ? 'who' : 'sr', text: who + ': ' }), text);
    log.insertBefore(el, before);
    scrollDown();
    return el;
  }

  const saveTicket = () => storage.set(ticketKey, ticket && JSON.stringify(ticket));

  async function startSession(resumeId) {
    const res = await api('POST', '/api/chatbot/session' + suffix, { sessionId: resumeId || null });
    if (!res.ok) {
      // Another tenant's or a forgotten session: a fresh one rather than no chat at all.
      if (resumeId && res.status === 403 && !refused(res)) return startSession(null);
      report(res);
      return false;
    }
    sessionId = res.data.sessionId;
    leadId = res.data.leadId;
    businessName = res.data.realtor?.name || businessName;
    storage.set(sessionKey, sessionId);
    title.textContent = businessName || 'Chat';
    panel.setAttribute('aria-label', 'Chat with ' + (businessName || 'us'));
    launcher.setAttribute('aria-label', 'Chat with ' + (businessName || 'us'));
    // Kept in place, not put back, so the live log does not announce them twice.
    const kept = [...unsent].map((message) => message.el);
    for (const el of [...log.children]) if (!kept.includes(el)) el.remove();
    const below = log.firstChild;
    turns = [];
    const history = res.data.messages || [];
    if (!history.length && data.greeting) addMessage('assistant', data.greeting, below).classList.add('greeting');
    for (const message of history) {
      addMessage(message.role, message.content, below);
      turns.push({ role: message.role, content: message.content });
    }
    if (ticket && ticket.session !== sessionId) {
      ticket = null;
      saveTicket();
    }
    if (resumeId && resumeId !== sessionId) notify('Your earlier conversation has ended; this is a new one.');
    refresh();
    return true;
  }

  let ready = Promise.resolve(false);
  const ensureSession = async () => (await ready) || (await (ready = startSession(storage.get(sessionKey))));

  function setState(message, state) {
    message.el.classList.toggle('failed', state === 'failed');
    if (state === 'sending') message.state.replaceChildren('Sending…');
    else if (state === 'failed') {
      const retry = h('button', { type: 'button', class: 'retry', text: 'Retry', onclick: () => send(message) });
      message.state.replaceChildren('Not sent.', retry);
    } else message.state.replaceChildren();
  }

  function pause(retryAfter) {
    const date = Date.parse(retryAfter);
    let seconds = Number(retryAfter);
    if (!Number.isFinite(seconds)) seconds = Number.isNaN(date) ? 10 : (date - Date.now()) / 1000;
    seconds = Math.max(1, Math.ceil(seconds));
    blockedUntil = Date.now() + seconds * 1000;
    notify(`You are sending messages too quickly. Please wait ${seconds} seconds, then press Retry.`);
    setTimeout(() => {
      notify('');
      refresh();
    }, seconds * 1000);
  }

  // Every attempt at one message carries its Idempotency-Key, so a retry never stores it twice.
  async function deliver(message) {
    if (!canSend()) return;
    sending = true;
    setState(message, 'sending');
    refresh();
    let res = { ok: false, status: 0, data: {} };
    // Without a session startSession has already said why.
    const reached = await ensureSession();
    if (reached) {
      unsent.delete(message);
      res = await api(
        'POST',
        '/api/chatbot/chat' + suffix,
        { message: message.text, sessionId },
        { 'Idempotency-Key': message.id },
      );
    }
    sending = false;
    if (res.ok) {
      setState(message, 'sent');
      turns.push({ role: 'user', content: message.text }, { role: 'assistant', content: res.data.message });
      addMessage('assistant', res.data.message);
      refresh();
      return;
    }
    setState(message, 'failed');
    const code = res.data.code;
    if (res.status === 429) pause(res.retryAfter);
    else if (res.status === 403 && (code === 'session_expired' || code === 'invalid_session')) {
      storage.set(sessionKey, null);
      unsent.add(message);
      if (await (ready = startSession(null)))
        notify('This conversation had ended, so a new one has started. Press Retry to send your message.');
    } else if (reached) report(res);
    refresh();
  }

  // A new message from the input, or `again` a failed one. The button pressed is disabled or
  // replaced while sending, so focus goes back to the input rather than to the page.
  function send(again) {
    input.focus();
    const text = input.value.trim();
    if (!canSend() || (!again && !text)) return;
    let message = again;
    if (!message) {
      input.value = '';
      updateCount();
      message = { id: newId(), text, state: h('span', { class: 'state' }) };
      message.el = addMessage('user', text);
      message.el.append(message.state);
      unsent.add(message);
    }
    notify('');
    deliver(message);
  }

  function updateCount() {
    const used = input.value.length;
    count.textContent = `${used} / ${MAX_CHARS} characters`;
    count.hidden = used < MAX_CHARS - 500;
  }

  async function newConversation() {
    newButton.disabled = true;
    ticket = null;
    saveTicket();
    clearTimeout(pollTimer);
    if (await (ready = startSession(null))) notify('');
    refresh();
    input.focus();
  }

  async function talkToPerson() {
    personButton.disabled = true;
    if (!(await ensureSession())) return refresh();
    const lastVisitorMessage = [...turns].reverse().find((turn) => turn.role === 'user');
    const res = await api('POST', '/api/webhooks/chatbot', {
      session_id: sessionId,
      subject: 'Website chat',
      initial_message: lastVisitorMessage ? lastVisitorMessage.content : '',
      transcript: turns,
      lead_id: leadId,
    });
    if (res.ok) {
      ticket = { id: res.data.ticket_id, seen: null, session: sessionId };
      saveTicket();
      notify(res.data.message);
      schedulePoll();
    } else report(res);
    refresh();
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (ticket && isOpen()) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    if (!ticket || !isOpen() || polling || unavailable) return;
    polling = true;
    const current = ticket;
    const res = await api('GET', '/api/tickets/' + encodeURIComponent(current.id) + '/status');
    polling = false;
    if (current !== ticket) return;
    if (refused(res)) return report(res);
    if (res.ok) {
      const reply = res.data.last_agent_message;
      if (reply && reply.message_id !== ticket.seen) {
        ticket.seen = reply.message_id;
        saveTicket();
        addMessage('agent', reply.content);
      }
      if (res.data.status === 'resolved' || res.data.status === 'closed') {
        notify(`Your request has been ${res.data.status}.`);
        ticket = null;
        saveTicket();
        refresh();
        return;
      }
    }
    schedulePoll();
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    (unavailable ? closeButton : input).focus();
    scrollDown();
    poll();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    clearTimeout(pollTimer);
    launcher.focus();
  }

  launcher.addEventListener('click', () => (isOpen() ? close() : open()));
  closeButton.addEventListener('click', close);
  newButton.addEventListener('click', newConversation);
  personButton.addEventListener('click', talkToPerson);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  input.addEventListener('input', updateCount);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  shadow.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen()) {
      event.preventDefault();
      close();
    }
  });

  function start() {
    document.body.append(host);
    pickTextColour();
    try {
      ticket = JSON.parse(storage.get(ticketKey));
    } catch {
      ticket = null;
    }
    ready = startSession(storage.get(sessionKey));
  }

  window.FrontdeskWidget = { open, close };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
