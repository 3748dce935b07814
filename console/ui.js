/*
 * What every screen of the agent console builds with: elements from plain calls (never HTML
 * strings, so no markup injection and nothing a strict CSP refuses), the announcer screen readers
 * hear, the words for the API's enums, times, and a scope that stops a screen's timers and
 * requests when the agent leaves it.
 */

/**
 * An element: `props` are attributes, except `text` (its text), `on<event>` (listeners) and
 * `class`; `null`, `undefined` and `false` leave an attribute out. Children may be strings,
 * nodes, or arrays of them.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name === 'text') el.textContent = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children.flat(Infinity).filter((child) => child != null && child !== false));
  return el;
}

/** Replaces an element's children, leaving out `null` and `false` as `h` does. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((child) => child != null && child !== false));
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes, for icons and charts. */
export function svg(tag, attributes, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value == null) continue;
    if (name === 'text') el.textContent = value;
    else el.setAttribute(name, value);
  }
  el.append(...children.flat(Infinity).filter(Boolean));
  return el;
}

/** A decorative icon from one path (24×24). */
export function icon(path) {
  return svg('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false', class: 'icon' }, svg('path', { d: path }));
}

export const ICONS = {
  inbox: 'M4 4h16l2 9v7H2v-7zm1.6 2-1.3 6H9a3 3 0 0 0 6 0h4.7l-1.3-6z',
  leads: 'M3 4h5v16H3zm6.5 0h5v10h-5zM16 4h5v7h-5z',
  chart: 'M4 20V10h3v10zm6.5 0V4h3v16zM17 20v-6h3v6z',
  lock: 'M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1zm2 0h6V7a3 3 0 0 0-6 0z',
  grip: 'M9 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 10.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 16a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z',
  bot: 'M11 2h2v3h5a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h5zM8.5 10a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm7 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM8 15v2h8v-2z',
};

// ---------------------------------------------------------------- announcements

let announcer = null;
let clearTimer = 0;

/**
 * Says `text` to screen readers through the page's polite live region (and leaves it there
 * briefly, so the same words twice are heard twice).
 */
export function announce(text) {
  announcer ??= document.getElementById('announcer');
  if (!announcer) return;
  clearTimeout(clearTimer);
  announcer.textContent = '';
  // A new text node in a later task is what makes screen readers speak a repeated message.
  setTimeout(() => {
    announcer.textContent = text;
    clearTimer = setTimeout(() => (announcer.textContent = ''), 7000);
  }, 50);
}

// ---------------------------------------------------------------- words for the API's values

export const TICKET_STATUSES = ['new', 'open', 'pending_customer', 'resolved', 'closed'];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'];
export const CHANNELS = ['web_chat', 'email', 'facebook', 'twitter', 'whatsapp', 'instagram'];
export const LEAD_STAGES = ['new', 'contacted', 'qualified', 'converted'];
export const INTENTS = ['HOT', 'WARM', 'COLD', 'NEUTRAL'];

const LABELS = {
  new: 'New',
  open: 'Open',
  pending_customer: 'Pending customer',
  resolved: 'Resolved',
  closed: 'Closed',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
  web_chat: 'Web chat',
  email: 'Email',
  facebook: 'Messenger',
  twitter: 'X',
  whatsapp: 'WhatsApp',
  instagram: 'Instagram',
  contacted: 'Contacted',
  qualified: 'Qualified',
  converted: 'Converted',
  website: 'Website',
  messenger: 'Messenger',
  HOT: 'Hot',
  WARM: 'Warm',
  COLD: 'Cold',
  NEUTRAL: 'Neutral',
};

export const label = (value) => LABELS[value] || String(value ?? '');

/** What a badge of each kind is, said before its value to screen readers ("Status: Open"). */
const BADGE_NAMES = { status: 'Status', stage: 'Stage', intent: 'Temperature' };

/** A small coloured label, e.g. a status; the kind and value pick its colours. */
export function badge(kind, value, text = label(value)) {
  return h('span', { class: `badge ${kind} ${kind}-${String(value).toLowerCase()}` },
    BADGE_NAMES[kind] ? h('span', { class: 'visually-hidden', text: `${BADGE_NAMES[kind]}: ` }) : null,
    text);
}

/** Whether a ticket in status `from` may move to `to`: the API's state machine, as a hint. */
export function ticketCanBecome(from, to) {
  if (to === 'new' || from === 'closed' || from === to) return false;
  if (from === 'resolved') return to === 'open' || to === 'closed';
  return true;
}

// ---------------------------------------------------------------- times

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

/** "3 minutes ago", "yesterday"… */
export function timeAgo(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (!Number.isFinite(seconds)) return '';
  const steps = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  if (Math.abs(seconds) < 45) return relative.format(0, 'second');
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return relative.format(Math.trunc(value), unit);
    value /= size;
  }
  return '';
}

/** A `<time>` showing how long ago, with the full date as its tooltip and machine value. */
export function timeElement(iso) {
  return h('time', { datetime: iso, title: formatDateTime(iso), text: timeAgo(iso) });
}

/** Keeps every "how long ago" on the page true as time passes. */
export function keepTimesCurrent(every = 30000) {
  setInterval(() => {
    const now = Date.now();
    for (const time of document.querySelectorAll('time[datetime]')) {
      const text = timeAgo(time.getAttribute('datetime'), now);
      if (time.textContent !== text) time.textContent = text;
    }
  }, every);
}

// ---------------------------------------------------------------- a screen's lifetime

/**
 * What a screen started and must stop when the agent leaves it: repeating polls (slower while
 * the tab is hidden, at once when it is shown again) and requests (aborted through `signal`).
 */
export function createScope() {
  const controller = new AbortController();
  const timers = new Set();
  const stops = [];
  const scope = {
    signal: controller.signal,
    get alive() {
      return !controller.signal.aborted;
    },
    /** Runs `task` every `ms` (every `hiddenMs` while the tab is hidden), one run at a time. */
    every(ms, task, hiddenMs = Math.max(ms, 30000)) {
      let timer = 0;
      let running = false;
      const run = async () => {
        timers.delete(timer);
        if (!scope.alive || running) return;
        running = true;
        try {
          await task();
        } catch (error) {
          if (scope.alive) console.warn('refresh failed', error);
        } finally {
          running = false;
        }
        schedule();
      };
      const schedule = () => {
        if (!scope.alive) return;
        clearTimeout(timer);
        timers.delete(timer);
        timer = setTimeout(run, document.hidden ? hiddenMs : ms);
        timers.add(timer);
      };
      const onVisible = () => {
        if (!document.hidden) {
          clearTimeout(timer);
          run();
        }
      };
      document.addEventListener('visibilitychange', onVisible);
      stops.push(() => document.removeEventListener('visibilitychange', onVisible));
      schedule();
      return { now: () => (clearTimeout(timer), run()) };
    },
    onStop(stop) {
      stops.push(stop);
    },
    stop() {
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      for (const stop of stops) stop();
    },
  };
  return scope;
}

/** A notice in a screen: `role="alert"` for problems, `status` for the rest. */
export function notice(kind, text) {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', text });
}

/** Replaces `holder`'s content with a notice, or empties it. */
export function showNotice(holder, kind, text) {
  holder.replaceChildren(...(text ? [notice(kind, text)] : []));
}
