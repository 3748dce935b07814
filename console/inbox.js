/*
 * The inbox: the tenant's tickets, newest first, with the listing's filters (kept in the address,
 * so a filtered inbox can be reloaded or shared), cursor paging, counts per status, and new
 * activity shown without a reload. It polls every few seconds with conditional requests: an
 * unchanged listing costs a 304, and a changed one is merged in place (focus stays where it is)
 * and told to screen readers.
 */
import { enc, query } from './api.js';
import {
  CHANNELS, PRIORITIES, TICKET_STATUSES, announce, badge, h, label, showNotice, timeElement,
} from './ui.js';

const POLL_MS = 5000;
const PAGE_SIZE = 20;
/** The listing has no "unassigned" filter: the console reads pages of this size and keeps those. */
const UNASSIGNED_SCAN_PAGE = 100;
const UNASSIGNED_SCAN_PAGES = 5;
const SEEN_KEY = 'frontdesk_console_seen';
const SINCE_KEY = 'frontdesk_console_since';

/** When each ticket was last seen by this agent in this tab (its `updated_at` then). */
export const seen = {
  read() {
    try {
      return JSON.parse(sessionStorage.getItem(SEEN_KEY)) || {};
    } catch {
      return {};
    }
  },
  mark(ticketId, updatedAt) {
    const all = seen.read();
    all[ticketId] = updatedAt;
    const ids = Object.keys(all);
    for (const id of ids.slice(0, Math.max(0, ids.length - 500))) delete all[id];
    try {
      sessionStorage.setItem(SEEN_KEY, JSON.stringify(all));
    } catch {
      /* storage refused: nothing is remembered */
    }
  },
  /** Activity counts as new when it happened after the agent opened the console and after they last saw the ticket. */
  since() {
    let since = sessionStorage.getItem(SINCE_KEY);
    if (!since) {
      since = new Date().toISOString();
      try {
        sessionStorage.setItem(SINCE_KEY, since);
      } catch {
        /* as above */
      }
    }
    return since;
  },
};

const FILTERS = ['status', 'assignee', 'channel', 'priority', 'tag', 'from', 'to'];

export function inboxView(ctx, route) {
  const { api, session, scope } = ctx;
  const filters = Object.fromEntries(FILTERS.map((name) => [name, route.params.get(name) || '']));
  const since = seen.since();

  // ------------------------------------------------------------ controls

  const select = (name, text, options, anyText) => {
    const id = `filter-${name}`;
    const control = h('select', { id, name },
      h('option', { value: '', text: anyText }),
      options.map(([value, optionText]) => h('option', { value, text: optionText, selected: filters[name] === value })));
    return { control, field: h('div', { class: 'field' }, h('label', { for: id, text }), control) };
  };
  const status = select('status', 'Status', TICKET_STATUSES.map((s) => [s, label(s)]), 'Any status');
  const assignee = select('assignee', 'Assignee', [['me', 'Me'], ['unassigned', 'Unassigned']], 'Anyone');
  const channel = select('channel', 'Channel', CHANNELS.map((c) => [c, label(c)]), 'Any channel');
  const priority = select('priority', 'Priority', PRIORITIES.map((p) => [p, label(p)]), 'Any priority');
  const input = (name, text, type, extra = {}) => {
    const id = `filter-${name}`;
    const control = h('input', { id, name, type, value: filters[name], ...extra });
    return { control, field: h('div', { class: 'field' }, h('label', { for: id, text }), control) };
  };
  const tag = input('tag', 'Tag', 'search', { autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. refund' });
  const from = input('from', 'Created from', 'date');
  const to = input('to', 'Created to', 'date');
  const controls = { status, assignee, channel, priority, tag, from, to };
  const clear = h('button', { type: 'button', class: 'button quiet', text: 'Clear filters' });
  const activeCount = h('span', { class: 'filter-count' });
  const filterPanel = h('details', { class: 'filters', open: window.matchMedia('(min-width: 760px)').matches },
    h('summary', null, 'Filters ', activeCount),
    h('form', { class: 'filter-form', role: 'search', 'aria-label': 'Filter tickets' },
      Object.values(controls).map((control) => control.field),
      h('div', { class: 'field field-action' }, clear)));

  const countsList = h('ul', { class: 'counts' });
  const counts = h('nav', { class: 'counts-nav', 'aria-label': 'Tickets by status', hidden: true }, countsList);
  const problem = h('div', { class: 'view-problem' });
  const list = h('ol', { class: 'ticket-list', 'aria-label': 'Tickets', 'aria-busy': 'true' });
  const empty = h('p', { class: 'empty', hidden: true, text: 'No tickets match these filters.' });
  const more = h('button', { type: 'button', class: 'button', hidden: true, text: 'Load more tickets' });
  const heading = h('h1', { tabindex: '-1', text: 'Inbox' });
  const summary = h('p', { class: 'muted view-summary', 'aria-live': 'off', text: 'Loading tickets…' });

  const el = h('section', { class: 'page inbox' },
    h('div', { class: 'page-head' }, heading, summary),
    counts,
    filterPanel,
    problem,
    list,
    empty,
    h('div', { class: 'more' }, more));

  // ------------------------------------------------------------ state

  let tickets = []; // what the inbox shows: the first page and any loaded after it
  let nextCursor = null;
  let known = null; // ticket id → updated_at of the last first page, to tell what changed
  let generation = 0; // bumped by every change of filters: older answers are dropped
  const rows = new Map(); // ticket id → { li, key }

  function listPath(cursor, limit) {
    return `/api/tickets${query({
      status: filters.status,
      priority: filters.priority,
      channel: filters.channel,
      tag: filters.tag.trim().toLowerCase(),
      created_from: filters.from,
      created_to: filters.to,
      assigned_agent_id: filters.assignee === 'me' ? session.username : '',
      sort: 'activity',
      limit,
      cursor,
    })}`;
  }

  /** One page of the inbox: `{ tickets, nextCursor, changed }`. */
  async function fetchPage(cursor) {
    if (filters.assignee !== 'unassigned') {
      const answer = await api.get(listPath(cursor, PAGE_SIZE), { signal: scope.signal });
      return { tickets: answer.data.tickets, nextCursor: answer.data.next_cursor, changed: answer.changed };
    }
    // Unassigned tickets, gathered from a few pages of the listing.
    const tickets = [];
    let changed = false;
    let next = cursor;
    for (let read = 0; read < UNASSIGNED_SCAN_PAGES; read += 1) {
      const answer = await api.get(listPath(next, UNASSIGNED_SCAN_PAGE), { signal: scope.signal });
      changed ||= answer.changed;
      tickets.push(...answer.data.tickets.filter((ticket) => !ticket.assigned_agent_id));
      next = answer.data.next_cursor;
      if (!next || tickets.length >= PAGE_SIZE) break;
    }
    return { tickets, nextCursor: next, changed };
  }

  function applyFilters() {
    for (const [name, control] of Object.entries(controls)) filters[name] = control.control.value;
    const params = new URLSearchParams();
    for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
    ctx.replaceQuery(params);
    tickets = [];
    known = null;
    list.setAttribute('aria-busy', 'true');
    summary.textContent = 'Loading tickets…';
    showActiveFilters();
    load();
  }

  function showActiveFilters() {
    const active = FILTERS.filter((name) => filters[name]).length;
    activeCount.textContent = active ? `(${active} active)` : '';
    clear.disabled = active === 0;
    for (const item of countsList.querySelectorAll('button')) {
      item.setAttribute('aria-pressed', String(item.value === filters.status));
    }
  }

  async function load() {
    const asked = ++generation;
    try {
      const page = await fetchPage(null);
      if (!scope.alive || asked !== generation) return;
      tickets = page.tickets;
      nextCursor = page.nextCursor;
      showNotice(problem, '', '');
      renderList();
      known = new Map(tickets.map((ticket) => [ticket.ticket_id, ticket.updated_at]));
    } catch (error) {
      if (!scope.alive || asked !== generation) return;
      list.setAttribute('aria-busy', 'false');
      summary.textContent = '';
      showNotice(problem, 'error', error.message);
    }
  }

  async function loadMore() {
    const asked = generation;
    more.disabled = true;
    try {
      const page = await fetchPage(nextCursor);
      if (!scope.alive || asked !== generation) return;
      const ids = new Set(tickets.map((ticket) => ticket.ticket_id));
      tickets.push(...page.tickets.filter((ticket) => !ids.has(ticket.ticket_id)));
      nextCursor = page.nextCursor;
      const before = rows.size;
      renderList();
      // Keyboard users continue at the first ticket that arrived.
      const first = list.children[before]?.querySelector('a');
      (first || more).focus();
    } catch (error) {
      showNotice(problem, 'error', error.message);
    } finally {
      more.disabled = false;
    }
  }

  /**
   * The first page again, merged with what is shown: tickets it pushed further down stay (the
   * listing is newest first, so they are older than its last), and tickets missing from its
   * range no longer match and go.
   */
  async function poll() {
    const asked = generation;
    const page = await fetchPage(null);
    if (!scope.alive || asked !== generation || !page.changed) return;
    const previous = known;
    const ids = new Set(page.tickets.map((ticket) => ticket.ticket_id));
    const oldest = page.tickets.at(-1)?.created_at;
    const older = page.nextCursor && oldest
      ? tickets.filter((ticket) => !ids.has(ticket.ticket_id) && ticket.created_at < oldest)
      : [];
    const extended = tickets.length > (known?.size ?? 0);
    tickets = [...page.tickets, ...older];
    if (!extended) nextCursor = page.nextCursor;
    renderList();
    known = new Map(page.tickets.map((ticket) => [ticket.ticket_id, ticket.updated_at]));
    if (!previous) return;
    const arrived = page.tickets.filter((ticket) => !previous.has(ticket.ticket_id));
    const active = page.tickets.filter(
      (ticket) => previous.has(ticket.ticket_id) && previous.get(ticket.ticket_id) !== ticket.updated_at,
    );
    const names = (list) => list.slice(0, 3).map((ticket) => ticket.subject).join(', ');
    if (arrived.length) announce(`${arrived.length === 1 ? 'New ticket' : `${arrived.length} new tickets`}: ${names(arrived)}`);
    else if (active.length) announce(`New activity on ${active.length === 1 ? 'ticket' : `${active.length} tickets`}: ${names(active)}`);
  }

  async function loadCounts() {
    try {
      const answer = await api.get('/api/tickets/counts', { signal: scope.signal });
      if (!scope.alive || !answer.changed) return;
      const data = answer.data;
      const entries = [['', 'All', data.total], ...TICKET_STATUSES.map((name) => [name, label(name), data[name]])];
      countsList.replaceChildren(...entries.map(([value, text, count]) => {
        const button = h('button', { type: 'button', class: 'count', value, 'aria-pressed': String(filters.status === value) },
          h('span', { class: 'count-label', text }), h('span', { class: 'count-value', text: String(count ?? 0) }));
        button.addEventListener('click', () => {
          status.control.value = value;
          applyFilters();
        });
        return h('li', null, button);
      }));
      counts.hidden = false;
    } catch {
      // Counts are an aid: the listing works without them (a 401 or 403 is dealt with by the Api).
      if (scope.alive) counts.hidden = true;
    }
  }

  // ------------------------------------------------------------ rendering

  function row(ticket) {
    const seenAt = seen.read()[ticket.ticket_id];
    const fresh = ticket.updated_at > since && (!seenAt || ticket.updated_at > seenAt);
    const customer = ticket.customer?.name || ticket.customer?.primary_email || ticket.customer?.channel_identity || 'Unknown customer';
    const assigned = ticket.assigned_agent_id
      ? ticket.assigned_agent_id === session.username ? 'Assigned to me' : `Assigned to ${ticket.assigned_agent_id}`
      : 'Unassigned';
    return h('li', { class: `ticket-row${fresh ? ' fresh' : ''}`, 'data-ticket-id': ticket.ticket_id },
      h('div', { class: 'row-main' },
        h('a', { class: 'row-title', href: `#/tickets/${enc(ticket.ticket_id)}` },
          fresh ? h('span', { class: 'fresh-dot', title: 'New activity' }, h('span', { class: 'visually-hidden', text: 'New activity: ' })) : null,
          ticket.subject || '(no subject)'),
        h('p', { class: 'row-meta' },
          h('span', { text: customer }), ' · ', h('span', { text: label(ticket.source?.channel) }),
          ticket.source?.is_bot_handoff ? ' · from the chatbot' : '')),
      h('div', { class: 'row-badges' },
        badge('status', ticket.status),
        badge('priority', ticket.priority, `${label(ticket.priority)} priority`),
        (ticket.tags || []).slice(0, 4).map((name) => h('span', { class: 'tag', text: name }))),
      h('p', { class: 'row-side' },
        h('span', { class: ticket.assigned_agent_id ? '' : 'muted', text: assigned }),
        h('span', { class: 'row-time' }, 'Updated ', timeElement(ticket.updated_at))));
  }

  function renderList() {
    const shown = tickets;
    const ids = new Set(shown.map((ticket) => ticket.ticket_id));
    const focusedId = document.activeElement?.closest?.('.ticket-row')?.dataset.ticketId;
    for (const [id, entry] of rows) {
      if (!ids.has(id)) {
        entry.li.remove();
        rows.delete(id);
      }
    }
    shown.forEach((ticket, index) => {
      const key = JSON.stringify(ticket) + (seen.read()[ticket.ticket_id] || '');
      let entry = rows.get(ticket.ticket_id);
      if (!entry || entry.key !== key) {
        const li = row(ticket);
        if (entry) entry.li.replaceWith(li);
        entry = { li, key };
        rows.set(ticket.ticket_id, entry);
      }
      // Only rows out of place move, so a focused row that stays put keeps its focus.
      if (list.children[index] !== entry.li) list.insertBefore(entry.li, list.children[index] || null);
    });
    if (focusedId && rows.has(focusedId) && !list.contains(document.activeElement)) {
      rows.get(focusedId).li.querySelector('a')?.focus();
    }
    list.setAttribute('aria-busy', 'false');
    empty.hidden = shown.length > 0;
    empty.textContent = FILTERS.some((name) => filters[name]) ? 'No tickets match these filters.' : 'No tickets yet.';
    more.hidden = !nextCursor;
    summary.textContent = shown.length
      ? `${shown.length} ticket${shown.length === 1 ? '' : 's'}${nextCursor ? ' shown, more to load' : ''}`
      : '';
  }

  // ------------------------------------------------------------ wiring

  for (const { control } of Object.values(controls)) control.addEventListener('change', applyFilters);
  filterPanel.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    applyFilters();
  });
  clear.addEventListener('click', () => {
    for (const { control } of Object.values(controls)) control.value = '';
    applyFilters();
    status.control.focus();
  });
  more.addEventListener('click', loadMore);
  showActiveFilters();
  load();
  loadCounts();
  scope.every(POLL_MS, async () => {
    await Promise.all([poll(), loadCounts()]);
  });

  return { title: 'Inbox', el };
}
