/*
 * The leads board and a lead's page. The board shows the tenant's leads by pipeline stage
 * (new → contacted → qualified → converted) with their temperature and readiness; a lead moves
 * by dragging its card (mouse, pen or touch on the handle) or from the keyboard (its handle:
 * Space or Enter picks it up, the arrow keys choose the stage, Space or Enter drops it, Escape
 * cancels). A move is a PATCH conditioned on the lead's ETag, so two agents never overwrite each
 * other: the second is told the lead moved meanwhile and sees where it is now.
 */
import { enc, query } from './api.js';
import { ICONS, INTENTS, LEAD_STAGES, announce, badge, fill, formatDateTime, h, icon, label, showNotice, timeElement } from './ui.js';

const BOARD_POLL_MS = 10000;
const LEAD_POLL_MS = 5000;
const COLUMN_PAGE = 50;
/** How far a pointer must travel before a press on a card becomes a drag. */
const DRAG_THRESHOLD = 6;

const leadName = (lead) => lead.name?.trim() || lead.email || lead.phone || 'Anonymous visitor';

function leadBadges(lead) {
  return [
    badge('intent', lead.intent, lead.intent),
    lead.is_lead_ready ? badge('ready', 'yes', 'Ready') : null,
  ];
}

/** Moves a lead; resolves to the lead as it is now (with its new ETag) or rejects with the API's refusal. */
async function moveLead(api, lead, stage) {
  const headers = lead.etag ? { 'If-Match': lead.etag } : {};
  const answer = await api.send('PATCH', `/api/v1/lead/${enc(lead.id)}`, { status: stage }, { headers });
  return { ...answer.data, etag: answer.etag || answer.data.etag || null };
}

const preconditionText = (lead) =>
  `Another agent moved ${leadName(lead)} meanwhile, so this move was not made. The board now shows where the lead is.`;

// ---------------------------------------------------------------- the board

export function boardView(ctx, route) {
  const { api, scope } = ctx;
  const filters = { intent: route.params.get('intent') || '', ready: route.params.get('ready') || '' };

  const heading = h('h1', { tabindex: '-1', text: 'Leads' });
  const problem = h('div', { class: 'view-problem' });
  const helpId = 'board-help';
  const intent = h('select', { id: 'board-intent' },
    h('option', { value: '', text: 'Any temperature' }),
    INTENTS.map((value) => h('option', { value, text: label(value), selected: filters.intent === value })));
  const ready = h('select', { id: 'board-ready' },
    h('option', { value: '', text: 'Ready or not' }),
    h('option', { value: 'true', text: 'Ready', selected: filters.ready === 'true' }),
    h('option', { value: 'false', text: 'Not ready', selected: filters.ready === 'false' }));
  const filterForm = h('form', { class: 'filter-form board-filters', role: 'search', 'aria-label': 'Filter leads' },
    h('div', { class: 'field' }, h('label', { for: 'board-intent', text: 'Temperature' }), intent),
    h('div', { class: 'field' }, h('label', { for: 'board-ready', text: 'Readiness' }), ready));
  const columns = LEAD_STAGES.map((stage) => {
    const title = h('h2', { id: `column-${stage}` }, label(stage), ' ', h('span', { class: 'column-count' }));
    const list = h('ul', { class: 'lead-list', 'aria-labelledby': `column-${stage}` });
    const more = h('button', { type: 'button', class: 'button quiet', hidden: true, text: 'Load more' });
    const section = h('section', { class: 'lead-column', 'data-stage': stage, 'aria-labelledby': `column-${stage}` },
      title, list, h('div', { class: 'more' }, more));
    const column = { stage, leads: [], cursor: null, section, list, more, count: title.querySelector('.column-count'), cards: new Map() };
    more.addEventListener('click', () => loadColumn(column, true));
    return column;
  });
  const board = h('div', { class: 'board', 'aria-describedby': helpId }, columns.map((column) => column.section));
  const el = h('section', { class: 'page leads' },
    h('div', { class: 'page-head' }, heading,
      h('p', { id: helpId, class: 'muted', text: 'Drag a card to another stage, or use its handle: Space picks the lead up, the arrow keys choose the stage, Space drops it, Escape cancels.' })),
    filterForm,
    problem,
    board);

  let busy = 0; // a drag, a keyboard pick-up or a move in flight: the poll waits

  const columnPath = (column, cursor) =>
    `/api/v1/leads${query({ status: column.stage, intent: filters.intent, ready: filters.ready, limit: COLUMN_PAGE, cursor })}`;

  async function loadColumn(column, more = false) {
    const answer = await api.get(columnPath(column, more ? column.cursor : null), { signal: scope.signal });
    if (!scope.alive) return false;
    if (!more && !answer.changed && column.loaded) return false;
    const leads = answer.data.leads || [];
    if (more) {
      const ids = new Set(column.leads.map((lead) => lead.id));
      column.leads.push(...leads.filter((lead) => !ids.has(lead.id)));
    } else {
      // The first page again: what was loaded beyond it stays, once.
      const ids = new Set(leads.map((lead) => lead.id));
      column.leads = [...leads, ...column.leads.slice(column.firstPageSize || 0).filter((lead) => !ids.has(lead.id))];
      column.firstPageSize = leads.length;
    }
    // The cursor continues the last page loaded: a first page read again leaves it alone once
    // the agent has loaded more.
    if (more) {
      column.cursor = answer.data.next_cursor;
      column.extended = true;
    } else if (!column.extended) {
      column.cursor = answer.data.next_cursor;
    }
    column.loaded = true;
    renderColumn(column);
    return true;
  }

  async function loadAll() {
    try {
      await Promise.all(columns.map((column) => loadColumn(column)));
      showNotice(problem, '', '');
    } catch (error) {
      if (scope.alive) showNotice(problem, 'error', error.message);
      throw error;
    }
  }

  function card(lead, column) {
    const handle = h('button', {
      type: 'button',
      class: 'grip',
      'aria-label': `Move ${leadName(lead)}, now in ${label(column.stage)}`,
      'aria-describedby': helpId,
    }, icon(ICONS.grip));
    const contact = [lead.email, lead.phone].filter(Boolean).join(' · ');
    const li = h('li', { class: 'lead-card', 'data-lead-id': lead.id },
      h('div', { class: 'card-top' },
        h('a', { class: 'card-title', href: `#/leads/${enc(lead.id)}`, draggable: 'false', text: leadName(lead) }),
        handle),
      contact ? h('p', { class: 'card-contact', text: contact }) : null,
      h('p', { class: 'card-badges' }, leadBadges(lead)),
      h('p', { class: 'card-meta' },
        `${lead.message_count} message${lead.message_count === 1 ? '' : 's'} · ${label(lead.source)} · `, timeElement(lead.updated_at)));
    li.lead = lead;
    handle.addEventListener('keydown', (event) => keyboardMove(event, li, handle));
    handle.addEventListener('blur', () => {
      if (lifted?.li === li && !lifted.moving) cancelLift();
    });
    li.addEventListener('pointerdown', (event) => startPointer(event, li));
    return li;
  }

  function renderColumn(column) {
    const focusedId = document.activeElement?.closest?.('.lead-card')?.dataset.leadId;
    const ids = new Set(column.leads.map((lead) => lead.id));
    for (const [id, entry] of column.cards) {
      if (!ids.has(id)) {
        entry.li.remove();
        column.cards.delete(id);
      }
    }
    column.leads.forEach((lead, index) => {
      const key = JSON.stringify(lead);
      let entry = column.cards.get(lead.id);
      if (!entry || entry.key !== key) {
        const li = card(lead, column);
        if (entry) entry.li.replaceWith(li);
        entry = { li, key };
        column.cards.set(lead.id, entry);
      }
      if (column.list.children[index] !== entry.li) column.list.insertBefore(entry.li, column.list.children[index] || null);
    });
    const focused = focusedId && column.cards.get(focusedId);
    if (focused && !focused.li.contains(document.activeElement)) focused.li.querySelector('.grip').focus();
    column.count.textContent = `(${column.leads.length}${column.cursor ? '+' : ''})`;
    column.more.hidden = !column.cursor;
    column.list.setAttribute('data-empty', column.leads.length ? 'false' : 'true');
  }

  const columnOf = (stage) => columns.find((column) => column.stage === stage);

  /**
   * Makes the move: the card shows in its new stage at once and goes back if the API refuses.
   * `from` and `to` are columns.
   */
  async function commitMove(lead, from, to) {
    if (from === to) return;
    busy += 1;
    from.leads = from.leads.filter((item) => item.id !== lead.id);
    to.leads = [{ ...lead, status: to.stage }, ...to.leads.filter((item) => item.id !== lead.id)];
    from.cards.get(lead.id)?.li.remove();
    from.cards.delete(lead.id);
    renderColumn(from);
    renderColumn(to);
    to.cards.get(lead.id)?.li.querySelector('.grip').focus();
    showNotice(problem, 'status', `Moving ${leadName(lead)} to ${label(to.stage)}…`);
    try {
      const moved = await moveLead(api, lead, to.stage);
      if (!scope.alive) return;
      const summary = { ...lead, ...moved, messages: undefined };
      delete summary.messages;
      to.leads = to.leads.map((item) => (item.id === lead.id ? summary : item));
      renderColumn(to);
      showNotice(problem, '', '');
      announce(`${leadName(lead)} moved to ${label(to.stage)}.`);
    } catch (error) {
      if (!scope.alive) return;
      const text = error.status === 412 ? preconditionText(lead) : error.message;
      // Back where it was, then the board as it is now.
      to.leads = to.leads.filter((item) => item.id !== lead.id);
      to.cards.get(lead.id)?.li.remove();
      to.cards.delete(lead.id);
      from.leads = [lead, ...from.leads];
      renderColumn(to);
      renderColumn(from);
      showNotice(problem, 'error', text);
      await loadAll().catch(() => {});
    } finally {
      busy -= 1;
    }
  }

  // ------------------------------------------------------------ keyboard

  let lifted = null; // { li, lead, from, at, moving }

  function keyboardMove(event, li, handle) {
    const key = event.key;
    if (!lifted) {
      if (key === ' ' || key === 'Enter') {
        event.preventDefault();
        const from = columns.find((column) => column.cards.get(li.lead.id)?.li === li);
        lifted = { li, lead: li.lead, from, at: from };
        busy += 1;
        li.classList.add('lifted');
        handle.setAttribute('aria-pressed', 'true');
        announce(`Picked up ${leadName(li.lead)}, in ${label(from.stage)}. Left and right arrows choose a stage, Space drops, Escape cancels.`);
      }
      return;
    }
    if (lifted.li !== li) return;
    const index = columns.indexOf(lifted.at);
    if (key === 'ArrowRight' || key === 'ArrowDown' || key === 'ArrowLeft' || key === 'ArrowUp') {
      event.preventDefault();
      const step = key === 'ArrowRight' || key === 'ArrowDown' ? 1 : -1;
      const next = columns[index + step];
      if (!next) return announce(`${label(lifted.at.stage)} is the ${step > 0 ? 'last' : 'first'} stage.`);
      lifted.at = next;
      lifted.moving = true;
      next.list.prepend(li);
      handle.focus();
      lifted.moving = false;
      highlight(next);
      announce(`${label(next.stage)}, stage ${columns.indexOf(next) + 1} of ${columns.length}.`);
    } else if (key === ' ' || key === 'Enter') {
      event.preventDefault();
      const { lead, from, at } = lifted;
      endLift();
      if (at === from) {
        renderColumn(from);
        handle.focus();
        announce(`${leadName(lead)} stays in ${label(from.stage)}.`);
      } else {
        li.remove();
        commitMove(lead, from, at);
      }
    } else if (key === 'Escape') {
      event.preventDefault();
      cancelLift();
      columns.find((column) => column.cards.get(li.lead.id))?.cards.get(li.lead.id).li.querySelector('.grip').focus();
    } else if (key === 'Tab') {
      cancelLift();
    }
  }

  function endLift() {
    if (!lifted) return;
    lifted.li.classList.remove('lifted');
    lifted.li.querySelector('.grip').removeAttribute('aria-pressed');
    highlight(null);
    lifted = null;
    busy -= 1;
  }

  function cancelLift() {
    if (!lifted) return;
    const { lead, from, li } = lifted;
    lifted.moving = true;
    endLift();
    // Put the card back where the data says it is.
    if (!from.list.contains(li)) from.list.prepend(li);
    renderColumn(from);
    announce(`Move cancelled. ${leadName(lead)} stays in ${label(from.stage)}.`);
  }

  function highlight(column) {
    for (const item of columns) item.section.classList.toggle('drop-target', item === column);
  }

  // ------------------------------------------------------------ pointer

  let drag = null; // { li, lead, from, startX, startY, ghost, pointerId, over }
  let suppressClick = false;

  function startPointer(event, li) {
    if (drag || lifted || event.button !== 0) return;
    const onHandle = Boolean(event.target.closest('.grip'));
    // A touch on the card scrolls the page; only the handle drags.
    if (event.pointerType !== 'mouse' && !onHandle) return;
    drag = { li, lead: li.lead, from: columns.find((column) => column.cards.get(li.lead.id)?.li === li), startX: event.clientX, startY: event.clientY, pointerId: event.pointerId, started: false, over: null };
    window.addEventListener('pointermove', pointerMove);
    window.addEventListener('pointerup', pointerUp);
    window.addEventListener('pointercancel', pointerCancel);
    window.addEventListener('keydown', dragKey);
  }

  function pointerMove(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    if (!drag.started) {
      if (Math.hypot(event.clientX - drag.startX, event.clientY - drag.startY) < DRAG_THRESHOLD) return;
      drag.started = true;
      busy += 1;
      const rect = drag.li.getBoundingClientRect();
      drag.offsetX = drag.startX - rect.left;
      drag.offsetY = drag.startY - rect.top;
      drag.ghost = drag.li.cloneNode(true);
      drag.ghost.classList.add('drag-ghost');
      drag.ghost.setAttribute('aria-hidden', 'true');
      drag.ghost.style.width = `${rect.width}px`;
      document.body.append(drag.ghost);
      drag.li.classList.add('dragging');
      document.body.classList.add('is-dragging');
    }
    event.preventDefault();
    drag.ghost.style.transform = `translate(${event.clientX - drag.offsetX}px, ${event.clientY - drag.offsetY}px)`;
    const under = document.elementFromPoint(event.clientX, event.clientY)?.closest('.lead-column');
    drag.over = columns.find((column) => column.section === under) || null;
    highlight(drag.over);
    autoScroll(event);
  }

  function autoScroll(event) {
    const edge = 48;
    if (event.clientY < edge) window.scrollBy(0, -12);
    else if (event.clientY > window.innerHeight - edge) window.scrollBy(0, 12);
    const rect = board.getBoundingClientRect();
    if (event.clientX < rect.left + edge) board.scrollLeft -= 12;
    else if (event.clientX > rect.right - edge) board.scrollLeft += 12;
  }

  function finishPointer() {
    window.removeEventListener('pointermove', pointerMove);
    window.removeEventListener('pointerup', pointerUp);
    window.removeEventListener('pointercancel', pointerCancel);
    window.removeEventListener('keydown', dragKey);
    const ended = drag;
    drag = null;
    if (!ended?.started) return ended;
    ended.ghost.remove();
    ended.li.classList.remove('dragging');
    document.body.classList.remove('is-dragging');
    highlight(null);
    busy -= 1;
    // The click that ends a drag is not a click on the card's link.
    suppressClick = true;
    setTimeout(() => (suppressClick = false), 0);
    return ended;
  }

  function pointerUp(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const ended = finishPointer();
    if (ended?.started && ended.over && ended.over !== ended.from) commitMove(ended.lead, ended.from, ended.over);
  }

  function pointerCancel(event) {
    if (drag && event.pointerId === drag.pointerId) finishPointer();
  }

  function dragKey(event) {
    if (event.key === 'Escape' && drag) {
      event.preventDefault();
      finishPointer();
      announce('Move cancelled.');
    }
  }

  board.addEventListener('click', (event) => {
    if (suppressClick) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  scope.onStop(() => {
    if (drag) finishPointer();
  });

  // ------------------------------------------------------------ wiring

  const applyFilters = () => {
    filters.intent = intent.value;
    filters.ready = ready.value;
    const params = new URLSearchParams();
    if (filters.intent) params.set('intent', filters.intent);
    if (filters.ready) params.set('ready', filters.ready);
    ctx.replaceQuery(params);
    for (const column of columns) {
      column.leads = [];
      column.firstPageSize = 0;
      column.cursor = null;
      column.extended = false;
      column.loaded = false;
    }
    loadAll().catch(() => {});
  };
  intent.addEventListener('change', applyFilters);
  ready.addEventListener('change', applyFilters);
  filterForm.addEventListener('submit', (event) => event.preventDefault());

  loadAll().catch(() => {});
  scope.every(BOARD_POLL_MS, async () => {
    if (busy === 0) await loadAll();
  });
  return { title: 'Leads', el };
}

// ---------------------------------------------------------------- one lead

export function leadView(ctx, route) {
  const { api, scope } = ctx;
  const path = `/api/v1/lead/${enc(route.id)}`;
  const heading = h('h1', { tabindex: '-1', text: 'Lead' });
  const headBadges = h('div', { class: 'head-badges' });
  const problem = h('div', { class: 'view-problem' });
  const stage = h('select', { id: 'lead-stage' }, LEAD_STAGES.map((value) => h('option', { value, text: label(value) })));
  const stageProblem = h('div', { class: 'form-problem' });
  const profile = h('dl', { class: 'profile' });
  const summary = h('div', { class: 'summary-text' });
  const conversation = h('ol', { class: 'conversation', 'aria-label': 'Conversation, oldest first' });
  const conversationNote = h('p', { class: 'muted' });
  const body = h('div', { class: 'lead-layout', hidden: true },
    h('div', { class: 'lead-main' },
      h('section', { class: 'summary-box', 'aria-labelledby': 'lead-summary' },
        h('h2', { id: 'lead-summary', text: 'Summary for sales' }), summary),
      h('section', { 'aria-labelledby': 'lead-conversation' },
        h('h2', { id: 'lead-conversation', text: 'Conversation' }), conversationNote, conversation)),
    h('aside', { class: 'lead-side', 'aria-label': 'Lead details' },
      h('section', { class: 'side-section', 'aria-labelledby': 'lead-stage-title' },
        h('h2', { id: 'lead-stage-title', text: 'Stage' }),
        h('div', { class: 'field' }, h('label', { for: 'lead-stage', text: 'Pipeline stage' }), stage),
        stageProblem),
      h('section', { class: 'side-section', 'aria-labelledby': 'lead-profile' },
        h('h2', { id: 'lead-profile', text: 'Profile' }), profile)));
  const el = h('section', { class: 'page lead' },
    h('p', { class: 'back' }, h('a', { href: '#/leads', text: '← Leads' })),
    h('div', { class: 'page-head' }, heading, headBadges),
    problem,
    body);

  let lead = null;
  let shownMessages = 0;

  async function load() {
    try {
      // Not conditional: a lead's ETag stands for its pipeline stage (what a move is conditioned
      // on) and stays the same when the visitor writes, so a 304 could hide a new message.
      const answer = await api.get(path, { signal: scope.signal, conditional: false });
      if (!scope.alive || (!answer.changed && lead)) return;
      const previous = lead;
      lead = { ...answer.data, etag: answer.etag };
      show(previous);
    } catch (error) {
      if (!scope.alive) return;
      if (!lead) {
        heading.textContent = error.status === 404 ? 'Lead not found' : 'Lead';
        showNotice(problem, 'error', error.status === 404 ? 'This lead does not exist, or it belongs to another team.' : error.message);
      }
      throw error;
    }
  }

  function show(previous) {
    document.title = `${leadName(lead)} · Frontdesk`;
    heading.textContent = leadName(lead);
    fill(headBadges, badge('stage', lead.status), leadBadges(lead));
    if (document.activeElement !== stage) stage.value = lead.status;
    const row = (term, value) => (value ? [h('dt', { text: term }), h('dd', null, value)] : []);
    profile.replaceChildren(
      ...row('Email', lead.email ? h('a', { href: `mailto:${lead.email}`, text: lead.email }) : null),
      ...row('Phone', lead.phone ? h('a', { href: `tel:${lead.phone}`, text: lead.phone }) : null),
      ...row('Source', label(lead.source)),
      ...row('Temperature', label(lead.intent)),
      ...row('Ready for sales', lead.is_lead_ready ? 'Yes' : 'Not yet'),
      ...row('Messages', String(lead.message_count)),
      ...row('First contact', formatDateTime(lead.created_at)),
      ...row('Last activity', formatDateTime(lead.updated_at)),
      ...row('Lead id', h('code', { text: lead.id })));
    summary.replaceChildren(lead.ai_summary
      ? h('p', { text: lead.ai_summary })
      : h('p', { class: 'muted', text: 'No summary yet. One is written when the lead becomes ready: hot, with a way to reach them.' }));
    const messages = lead.messages || [];
    conversationNote.textContent = messages.length
      ? lead.message_count > messages.length ? `The latest ${messages.length} of ${lead.message_count} messages.` : ''
      : 'No messages yet.';
    if (messages.length < shownMessages) {
      conversation.replaceChildren();
      shownMessages = 0;
    }
    const arrived = messages.slice(shownMessages);
    conversation.append(...arrived.map((message) => h('li', { class: `bubble bubble-${message.role === 'user' ? 'visitor' : 'assistant'}` },
      h('p', { class: 'entry-head' }, h('strong', { text: message.role === 'user' ? 'Visitor' : 'Assistant' }), ' · ', timeElement(message.timestamp)),
      h('p', { class: 'entry-body', text: message.content }))));
    shownMessages = messages.length;
    const fromVisitor = previous ? arrived.filter((message) => message.role === 'user') : [];
    if (fromVisitor.length) announce(`New message from ${leadName(lead)}: ${fromVisitor[fromVisitor.length - 1].content.slice(0, 200)}`);
    showNotice(problem, '', '');
    body.hidden = false;
  }

  stage.addEventListener('change', async () => {
    const target = stage.value;
    if (!lead || target === lead.status) return;
    showNotice(stageProblem, 'status', 'Saving…');
    try {
      const moved = await moveLead(api, lead, target);
      lead = { ...lead, ...moved };
      api.forget(path);
      show(lead);
      showNotice(stageProblem, '', '');
      announce(`${leadName(lead)} moved to ${label(target)}.`);
    } catch (error) {
      showNotice(stageProblem, 'error', error.status === 412 ? preconditionText(lead) : error.message);
      api.forget(path);
      await load().catch(() => {});
      stage.value = lead.status;
    }
  });

  load().catch(() => {});
  scope.every(LEAD_POLL_MS, async () => {
    await load();
  });
  return { title: 'Lead', el };
}
