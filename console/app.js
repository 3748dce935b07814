/*
 * The Frontdesk agent console: sign-in, the shell (navigation, the signed-in agent, sign-out)
 * and the router that shows one screen at a time from the address's fragment (#/inbox,
 * #/tickets/<id>, #/leads, #/leads/<id>, #/analytics), so every screen has a link of its own
 * and the one function that serves the console needs no route per screen.
 *
 * Plain ES modules, no framework and no build step: the screens are a few lists and forms kept
 * current by polling, and what the browser gives (modules, fetch, BigInt, WebCrypto) covers the
 * rest, under a CSP without exceptions.
 */
import { Api } from './api.js';
import { Session } from './session.js';
import { ICONS, announce, createScope, h, icon, keepTimesCurrent, notice, showNotice } from './ui.js';
import { inboxView } from './inbox.js';
import { ticketView } from './ticket.js';
import { boardView, leadView } from './leads.js';
import { analyticsView } from './analytics.js';

const root = document.getElementById('app');

let session = null;
let api = null;
/** The API's 403 for this agent: they are signed in but may not work here. */
let forbidden = null;
let scope = null;
let shell = null;
let agentsList = null;
let lastPath = null;

start();

async function start() {
  let config;
  try {
    const response = await fetch('/console/config.json', { cache: 'no-cache' });
    if (!response.ok) throw new Error(String(response.status));
    config = await response.json();
  } catch {
    root.replaceChildren(
      h('main', { id: 'main', class: 'single' },
        h('section', { class: 'card' },
          h('h1', { text: 'Frontdesk console' }),
          notice('error', 'The console could not load its settings. Reload the page to try again.'))),
    );
    return;
  }
  session = new Session(config);
  api = new Api(session, {
    onForbidden(error) {
      if (!forbidden) {
        forbidden = error;
        render();
      }
    },
  });
  session.addEventListener('change', (event) => {
    forbidden = null;
    agentsList = null;
    api.validators.clear();
    shell = null;
    render(event.detail.reason);
  });
  window.addEventListener('hashchange', () => render());
  keepTimesCurrent();
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  render();
}

/** The screen the fragment names: `{ name, id, params }`. */
function parseRoute() {
  const [path, search = ''] = (location.hash.replace(/^#/, '') || '/inbox').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(search);
  if (parts.length === 0 || (parts[0] === 'inbox' && parts.length === 1)) return { name: 'inbox', params };
  if (parts[0] === 'tickets' && parts.length === 2) return { name: 'ticket', id: parts[1], params };
  if (parts[0] === 'leads' && parts.length === 1) return { name: 'leads', params };
  if (parts[0] === 'leads' && parts.length === 2) return { name: 'lead', id: parts[1], params };
  if (parts[0] === 'analytics' && parts.length === 1) return { name: 'analytics', params };
  return { name: 'missing', params };
}

const VIEWS = {
  inbox: inboxView,
  ticket: ticketView,
  leads: boardView,
  lead: leadView,
  analytics: analyticsView,
  missing: missingView,
};

/** Which navigation entry a screen belongs to. */
const SECTIONS = { inbox: 'inbox', ticket: 'inbox', leads: 'leads', lead: 'leads', analytics: 'analytics' };

function render(reason) {
  scope?.stop();
  scope = null;
  if (!session.signedIn) {
    lastPath = null;
    return signInView(reason);
  }
  if (forbidden) return forbiddenView(forbidden);
  const route = parseRoute();
  shell ??= buildShell();
  for (const [section, link] of Object.entries(shell.links)) {
    if (SECTIONS[route.name] === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  scope = createScope();
  const context = {
    api,
    session,
    scope,
    agents,
    /** Rewrites the fragment's query without a new screen (filters that stay in the address). */
    replaceQuery(params) {
      const path = location.hash.replace(/^#/, '').split('?')[0] || '/inbox';
      const text = params.toString();
      history.replaceState(null, '', `#${path}${text ? `?${text}` : ''}`);
    },
  };
  const view = VIEWS[route.name](context, route);
  document.title = `${view.title} · Frontdesk`;
  shell.main.replaceChildren(view.el);
  if (!root.contains(shell.main)) root.replaceChildren(shell.el);
  // A new screen: its heading takes focus, so keyboard and screen-reader users start there.
  const path = location.hash.split('?')[0];
  if (path !== lastPath) {
    (view.el.querySelector('h1') || shell.main).focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }
  lastPath = path;
}

/** The tenant's agents and admins (for assignment), read once per sign-in. */
function agents() {
  agentsList ??= api.get('/api/agents').then(
    (answer) => answer.data.agents || [],
    (error) => {
      agentsList = null;
      throw error;
    },
  );
  return agentsList;
}

function buildShell() {
  const link = (href, text, path) => h('a', { href, class: 'nav-link' }, icon(path), h('span', { text }));
  const links = {
    inbox: link('#/inbox', 'Inbox', ICONS.inbox),
    leads: link('#/leads', 'Leads', ICONS.leads),
    analytics: link('#/analytics', 'Analytics', ICONS.chart),
  };
  const main = h('main', { id: 'main', tabindex: '-1' });
  const role = session.role === 'admin' ? 'Admin' : 'Agent';
  const el = h('div', { class: 'shell' },
    h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: '#/inbox', text: 'Frontdesk' }),
      h('nav', { class: 'nav', 'aria-label': 'Console' },
        h('ul', null, Object.values(links).map((item) => h('li', null, item)))),
      h('div', { class: 'who' },
        h('span', { class: 'who-name' },
          h('span', { class: 'visually-hidden', text: 'Signed in as ' }),
          h('strong', { text: session.username }),
          h('span', { class: 'who-team', text: ` · ${session.tenant} · ${role}` })),
        h('button', { type: 'button', class: 'button quiet', text: 'Sign out', onclick: () => session.signOut() }))),
    main,
  );
  return { el, main, links };
}

// ---------------------------------------------------------------- signing in

function signInView(reason) {
  document.title = 'Sign in · Frontdesk';
  const problem = h('div', { class: 'form-problem' });
  const username = h('input', {
    id: 'signin-username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false',
  });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide', text: 'Sign in' });
  const form = h('form', { class: 'stack', novalidate: true },
    problem,
    h('div', { class: 'field' }, h('label', { for: 'signin-username', text: 'Username' }), username),
    h('div', { class: 'field' }, h('label', { for: 'signin-password', text: 'Password' }), password),
    submit);
  const card = h('section', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', text: 'Sign in to Frontdesk' }),
    h('p', { class: 'muted', text: 'The agent console: your team’s tickets and leads.' }),
    reason ? notice('info', reason) : null,
    form);
  root.replaceChildren(h('main', { id: 'main', class: 'single', tabindex: '-1' }, card));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      showNotice(problem, 'error', 'Enter your username and password.');
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    showNotice(problem, '', '');
    try {
      const outcome = await session.signIn(username.value.trim(), password.value);
      if (outcome.challenge === 'NEW_PASSWORD_REQUIRED') newPasswordView(card);
    } catch (error) {
      showNotice(problem, 'error', error.message);
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.select();
      password.focus();
    }
  });
  username.focus();
}

/** A new user's first sign-in: Cognito asks them to replace their temporary password. */
function newPasswordView(card) {
  const problem = h('div', { class: 'form-problem' });
  const hint = 'At least 12 characters, with upper- and lower-case letters and a number.';
  const first = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'new-password-hint' });
  const second = h('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide', text: 'Set password and sign in' });
  const form = h('form', { class: 'stack', novalidate: true },
    problem,
    h('div', { class: 'field' },
      h('label', { for: 'new-password', text: 'New password' }), first,
      h('p', { id: 'new-password-hint', class: 'hint', text: hint })),
    h('div', { class: 'field' }, h('label', { for: 'new-password-again', text: 'New password again' }), second),
    submit);
  const heading = h('h1', { id: 'signin-title', tabindex: '-1', text: 'Choose your password' });
  card.replaceChildren(heading, h('p', { class: 'muted', text: 'Your account has a temporary password. Choose the one you will sign in with from now on.' }), form);
  heading.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (first.value !== second.value) {
      showNotice(problem, 'error', 'The two passwords differ.');
      second.focus();
      return;
    }
    submit.disabled = true;
    try {
      await session.completeNewPassword(first.value);
    } catch (error) {
      showNotice(problem, 'error', error.message);
      submit.disabled = false;
      first.focus();
    }
  });
}

function forbiddenView(error) {
  document.title = 'No access · Frontdesk';
  const heading = h('h1', { tabindex: '-1', text: 'You cannot work in this console yet' });
  root.replaceChildren(
    h('main', { id: 'main', class: 'single' },
      h('section', { class: 'card', 'aria-labelledby': 'forbidden-title' },
        heading,
        h('p', null,
          'You are signed in as ', h('strong', { text: session.username }),
          session.tenant ? ` of team ${session.tenant}` : '',
          ', but Frontdesk refuses your requests: ',
          h('q', { class: 'api-text', text: error.message }), ` (${error.status}).`),
        h('p', null,
          'Only members of the ', h('code', { text: 'agents' }), ' or ', h('code', { text: 'admins' }),
          ' group of the user pool may work tickets and leads. Ask an administrator of your team to add you to one, then sign in again.'),
        h('button', { type: 'button', class: 'button primary', text: 'Sign out', onclick: () => session.signOut() }))),
  );
  heading.id = 'forbidden-title';
  heading.focus();
  announce('You cannot work in this console yet.');
}

function missingView() {
  return {
    title: 'Not found',
    el: h('section', { class: 'page' },
      h('h1', { tabindex: '-1', text: 'This page does not exist' }),
      h('p', null, h('a', { href: '#/inbox', text: 'Go to the inbox' }))),
  };
}
