/*
 * One ticket: its timeline (customer and agent messages, internal notes and system entries, each
 * its own look; the delivery state of replies sent out on a channel), reply and internal note,
 * status changes (the state machine's refusals in the API's own words), priority, tags,
 * assignment to an agent of the team, the customer with every channel identity and their other
 * tickets, and what the chatbot handed over. It polls the ticket every few seconds with a
 * conditional request, so a customer's new message appears (and is announced) while it is open.
 */
import { enc, query } from './api.js';
import { seen } from './inbox.js';
import {
  ICONS, PRIORITIES, TICKET_STATUSES, announce, badge, fill, formatDateTime, h, icon, label, showNotice,
  ticketCanBecome, timeElement,
} from './ui.js';

const POLL_MS = 4000;
const TIMELINE_PAGE = 500;
const MAX_CONTENT = 20000;

/** A link target only for web addresses: a customer's attachment must never run script. */
function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const DELIVERY = { sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not delivered' };

export function ticketView(ctx, route) {
  const { api, session, scope } = ctx;
  const ticketId = route.id;
  const path = `/api/tickets/${enc(ticketId)}${query({ timeline_limit: TIMELINE_PAGE })}`;

  const heading = h('h1', { tabindex: '-1', text: 'Ticket' });
  const subline = h('p', { class: 'muted ticket-subline' });
  const headBadges = h('div', { class: 'head-badges' });
  const problem = h('div', { class: 'view-problem' });
  const handoff = h('div');
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Timeline', 'aria-busy': 'true' });
  const timelineBox = h('div', { class: 'timeline-box', tabindex: '0', role: 'region', 'aria-label': 'Timeline, oldest first' }, timeline);
  const composer = buildComposer();
  const side = h('aside', { class: 'ticket-side', 'aria-label': 'Ticket details', tabindex: '-1' });
  // On a phone the details come after the conversation: one press takes the agent there.
  const toDetails = h('button', { type: 'button', class: 'button quiet jump', hidden: true, text: 'Status, assignee and customer ↓' });
  toDetails.addEventListener('click', () => {
    side.scrollIntoView({ block: 'start' });
    side.focus({ preventScroll: true });
  });
  const layout = h('div', { class: 'ticket-layout', hidden: true },
    h('div', { class: 'ticket-main' }, handoff, h('h2', { class: 'visually-hidden', text: 'Timeline' }), timelineBox, composer.el),
    side);
  const el = h('section', { class: 'page ticket' },
    h('p', { class: 'back' }, h('a', { href: '#/inbox', text: '← Inbox' })),
    h('div', { class: 'page-head' }, heading, subline, headBadges, toDetails),
    problem,
    layout);

  let ticket = null;
  const entries = new Map(); // message id → { li, key }
  let firstLoad = true;
  let missing = false;

  // ------------------------------------------------------------ reading

  async function fetchTicket() {
    const answer = await api.get(path, { signal: scope.signal });
    let data = answer.data;
    // A timeline longer than a page: the rest is read page by page.
    if (answer.changed && data.timeline_next_cursor) {
      const timeline = [...data.timeline];
      let cursor = data.timeline_next_cursor;
      while (cursor) {
        const next = await api.get(`/api/tickets/${enc(ticketId)}${query({ timeline_limit: TIMELINE_PAGE, timeline_cursor: cursor })}`, { signal: scope.signal });
        timeline.push(...next.data.timeline);
        cursor = next.data.timeline_next_cursor;
      }
      data = { ...data, timeline };
    }
    return { data, changed: answer.changed };
  }

  async function load() {
    try {
      const { data, changed } = await fetchTicket();
      if (!scope.alive || (!changed && ticket)) return;
      show(data);
    } catch (error) {
      if (!scope.alive) return;
      missing = error.status === 404;
      if (!ticket) {
        heading.textContent = error.status === 404 ? 'Ticket not found' : 'Ticket';
        const text = error.status === 404
          ? 'This ticket does not exist, or it belongs to another team.'
          : error.message;
        showNotice(problem, 'error', text);
      }
      throw error;
    }
  }

  /** Shows the ticket as the API answered it, changing only what changed. */
  function show(data) {
    const previous = ticket;
    ticket = data;
    seen.mark(ticket.ticket_id, ticket.updated_at);
    document.title = `${ticket.subject} · Frontdesk`;
    heading.textContent = ticket.subject || '(no subject)';
    subline.replaceChildren(
      `#${ticket.ticket_id} · ${label(ticket.source?.channel)} · opened `, timeElement(ticket.created_at));
    headBadges.replaceChildren(
      badge('status', ticket.status),
      badge('priority', ticket.priority, `${label(ticket.priority)} priority`),
      ticket.assigned_agent_id ? h('span', { class: 'muted', text: `Assigned to ${ticket.assigned_agent_id}` }) : h('span', { class: 'muted', text: 'Unassigned' }));
    showNotice(problem, '', '');
    layout.hidden = false;
    toDetails.hidden = false;
    if (!previous) showHandoff();
    renderTimeline(previous);
    composer.update();
    renderSide(previous);
    firstLoad = false;
  }

  // ------------------------------------------------------------ timeline

  function entryKind(entry) {
    if (entry.content_type === 'event_log' || entry.sender_type === 'system') return 'system';
    if (entry.visibility === 'internal') return 'note';
    return entry.sender_type;
  }

  function author(entry) {
    const customer = ticket.customer?.name || ticket.customer?.channel_identity || 'Customer';
    switch (entry.sender_type) {
      case 'customer':
        return customer;
      case 'agent':
        return entry.agent_id ? (entry.agent_id === session.username ? `${entry.agent_id} (you)` : entry.agent_id) : 'Agent';
      case 'bot':
        return 'Chatbot';
      default:
        return 'System';
    }
  }

  function deliveryState(entry) {
    if (entry.delivery) {
      const state = entry.delivery.state;
      const text = state === 'failed' && entry.delivery.error ? `${DELIVERY.failed}: ${entry.delivery.error}` : DELIVERY[state] || state;
      return h('span', { class: `delivery delivery-${state}` }, h('span', { class: 'visually-hidden', text: 'Delivery: ' }), text);
    }
    // Replies on the website's chat are read by its widget; other channels report back.
    if (ticket.source?.channel !== 'web_chat') {
      return h('span', { class: 'delivery delivery-pending' }, h('span', { class: 'visually-hidden', text: 'Delivery: ' }), 'Waiting to be sent');
    }
    return null;
  }

  function entryElement(entry) {
    const kind = entryKind(entry);
    const time = timeElement(entry.timestamp);
    if (kind === 'system') {
      return h('li', { class: 'entry entry-system', 'data-message-id': entry.message_id },
        h('p', null, h('span', { class: 'visually-hidden', text: 'System: ' }), entry.content, ' · ', time));
    }
    const attachments = (entry.attachments || []).map((attachment) => {
      const href = safeUrl(attachment.url);
      const name = attachment.file_name || attachment.file_type || 'attachment';
      return h('li', null, href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', text: name }) : name);
    });
    const outbound = kind === 'agent' ? deliveryState(entry) : null;
    return h('li', { class: `entry entry-${kind}`, 'data-message-id': entry.message_id },
      h('p', { class: 'entry-head' },
        kind === 'note' ? [icon(ICONS.lock), h('strong', { text: 'Internal note' }), ' · '] : null,
        kind === 'bot' ? icon(ICONS.bot) : null,
        h('span', { class: 'entry-author', text: author(entry) }), ' · ', time),
      h('p', { class: 'entry-body', text: entry.content }),
      attachments.length ? h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, attachments) : null,
      outbound ? h('p', { class: 'entry-foot' }, outbound) : null);
  }

  function renderTimeline(previous) {
    const box = timelineBox;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const arrived = [];
    for (const entry of ticket.timeline) {
      const key = JSON.stringify(entry);
      const known = entries.get(entry.message_id);
      if (known && known.key === key) continue;
      const li = entryElement(entry);
      if (known) known.li.replaceWith(li);
      else {
        timeline.append(li);
        if (previous) arrived.push(entry);
      }
      entries.set(entry.message_id, { li, key });
    }
    timeline.setAttribute('aria-busy', 'false');
    if (firstLoad || nearBottom || arrived.some((entry) => entry.sender_type === 'agent')) box.scrollTop = box.scrollHeight;
    const fromCustomer = arrived.filter((entry) => entry.sender_type === 'customer' && entry.visibility === 'public');
    if (fromCustomer.length) {
      const last = fromCustomer[fromCustomer.length - 1];
      announce(`New message from ${author(last)}: ${last.content.slice(0, 200)}`);
      for (const entry of fromCustomer) entries.get(entry.message_id).li.classList.add('arrived');
    }
  }

  function showHandoff() {
    const first = ticket.timeline[0];
    const data = first?.channel_specific_data || {};
    const transcript = Array.isArray(data.transcript) ? data.transcript : [];
    if (!ticket.source?.is_bot_handoff && !data.lead_id && transcript.length === 0) return;
    const who = (role) => (role === 'user' ? 'Visitor' : role === 'assistant' || role === 'bot' ? 'Chatbot' : role);
    handoff.replaceChildren(
      h('section', { class: 'handoff', 'aria-labelledby': 'handoff-title' },
        h('h2', { id: 'handoff-title' }, icon(ICONS.bot), 'Handed over by the chatbot'),
        data.lead_id
          ? h('p', null, 'The conversation’s lead: ', h('a', { href: `#/leads/${enc(data.lead_id)}`, text: 'open the lead' }))
          : h('p', { class: 'muted', text: 'The chatbot made no lead of this conversation.' }),
        transcript.length
          ? h('details', { class: 'transcript' },
            h('summary', { text: `Chatbot transcript (${transcript.length} message${transcript.length === 1 ? '' : 's'})` }),
            h('ol', null, transcript.map((turn) => h('li', { class: `turn turn-${turn.role === 'user' ? 'visitor' : 'bot'}` },
              h('strong', { text: `${who(turn.role)}: ` }), String(turn.content ?? '')))))
          : null));
  }

  // ------------------------------------------------------------ writing

  function buildComposer() {
    const textId = 'composer-text';
    const text = h('textarea', { id: textId, rows: '4', maxlength: String(MAX_CONTENT), 'aria-describedby': 'composer-hint' });
    const labelEl = h('label', { for: textId, text: 'Reply to the customer' });
    const reply = h('input', { type: 'radio', name: 'composer-kind', id: 'kind-public', value: 'public', checked: true });
    const note = h('input', { type: 'radio', name: 'composer-kind', id: 'kind-internal', value: 'internal' });
    const hint = h('p', { id: 'composer-hint', class: 'hint', text: 'The customer sees replies. Ctrl+Enter sends.' });
    const closedHint = h('p', { class: 'hint warning', hidden: true, text: 'This ticket is closed: the customer can no longer be written to. Internal notes still work.' });
    const formProblem = h('div', { class: 'form-problem' });
    const send = h('button', { type: 'submit', class: 'button primary', text: 'Send reply' });
    const form = h('form', { class: 'composer', 'aria-label': 'Write on this ticket' },
      h('fieldset', { class: 'segmented' },
        h('legend', { class: 'visually-hidden', text: 'What to write' }),
        reply, h('label', { for: 'kind-public', text: 'Reply' }),
        note, h('label', { for: 'kind-internal' }, icon(ICONS.lock), 'Internal note')),
      closedHint,
      h('div', { class: 'field' }, labelEl, text, hint),
      formProblem,
      h('div', { class: 'composer-actions' }, send));

    const internal = () => note.checked;
    const mode = () => {
      form.classList.toggle('composing-note', internal());
      labelEl.textContent = internal() ? 'Internal note (agents only)' : 'Reply to the customer';
      hint.textContent = internal() ? 'Only agents see internal notes. Ctrl+Enter adds it.' : 'The customer sees replies. Ctrl+Enter sends.';
      send.textContent = internal() ? 'Add note' : 'Send reply';
    };
    reply.addEventListener('change', mode);
    note.addEventListener('change', mode);
    text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const content = text.value.trim();
      if (!content) {
        showNotice(formProblem, 'error', internal() ? 'Write the note first.' : 'Write the reply first.');
        text.focus();
        return;
      }
      send.disabled = true;
      showNotice(formProblem, '', '');
      const visibility = internal() ? 'internal' : 'public';
      try {
        await api.send('POST', `/api/tickets/${enc(ticketId)}/message`, { content, visibility });
        text.value = '';
        announce(visibility === 'internal' ? 'Internal note added.' : 'Reply sent.');
        await reload();
      } catch (error) {
        showNotice(formProblem, 'error', error.message);
      } finally {
        send.disabled = false;
        text.focus();
      }
    });
    return {
      el: form,
      update() {
        const closed = ticket.status === 'closed';
        closedHint.hidden = !closed;
        reply.disabled = closed;
        if (closed && reply.checked) {
          note.checked = true;
          mode();
        }
      },
    };
  }

  /** Sends a change of the ticket, then shows the ticket as it is now (also after a refusal). */
  async function change(method, url, body, holder, done) {
    showNotice(holder, 'status', 'Saving…');
    let changed = false;
    try {
      await api.send(method, url, body);
      showNotice(holder, '', '');
      if (done) announce(done);
      changed = true;
    } catch (error) {
      showNotice(holder, 'error', error.message);
    }
    await reload();
    return changed;
  }

  /** Reads the ticket again now, whatever the poll is doing. */
  async function reload() {
    try {
      await load();
    } catch {
      /* load has shown the problem; the poll tries again */
    }
  }

  // ------------------------------------------------------------ details

  const sideParts = buildSide();

  function buildSide() {
    const section = (id, title, ...content) => h('section', { class: 'side-section', 'aria-labelledby': id }, h('h2', { id, text: title }), ...content);

    // Status
    const statusNow = h('p', { class: 'status-now' });
    const statusButtons = h('div', { class: 'status-buttons', role: 'group', 'aria-label': 'Change status to' });
    const statusProblem = h('div', { class: 'form-problem' });
    const status = section('side-status', 'Status', statusNow, statusButtons, statusProblem);

    // Priority
    const prioritySelect = h('select', { id: 'ticket-priority' }, PRIORITIES.map((value) => h('option', { value, text: label(value) })));
    const priorityProblem = h('div', { class: 'form-problem' });
    prioritySelect.addEventListener('change', () =>
      change('PUT', `/api/tickets/${enc(ticketId)}`, { priority: prioritySelect.value }, priorityProblem, `Priority set to ${label(prioritySelect.value)}.`));
    const priority = section('side-priority', 'Priority',
      h('div', { class: 'field' }, h('label', { for: 'ticket-priority', class: 'visually-hidden', text: 'Priority' }), prioritySelect), priorityProblem);

    // Assignment
    const assigneeSelect = h('select', { id: 'ticket-assignee' }, h('option', { value: '', text: 'Loading agents…' }));
    const assignMe = h('button', { type: 'button', class: 'button quiet', text: 'Assign to me' });
    const assignProblem = h('div', { class: 'form-problem' });
    const assign = (agentId) =>
      change('PUT', `/api/tickets/${enc(ticketId)}/assign${query({ agent_id: agentId })}`, undefined, assignProblem, `Assigned to ${agentId}.`);
    assigneeSelect.addEventListener('change', () => assigneeSelect.value && assign(assigneeSelect.value));
    assignMe.addEventListener('click', () => assign(session.username));
    const assignment = section('side-assignee', 'Assignee',
      h('div', { class: 'field' }, h('label', { for: 'ticket-assignee', text: 'Assigned to' }), assigneeSelect),
      assignMe, assignProblem);
    let agentOptions = null;
    ctx.agents().then(
      (agents) => {
        agentOptions = agents.filter((agent) => agent.enabled !== false);
        fillAssignees();
      },
      (error) => {
        if (!scope.alive) return;
        assigneeSelect.replaceChildren(h('option', { value: '', text: 'Agent list unavailable' }));
        assigneeSelect.disabled = true;
        showNotice(assignProblem, 'error', `The team’s agents could not be listed: ${error.message}`);
      },
    );

    // Tags
    const tagList = h('ul', { class: 'tag-list', 'aria-label': 'Tags' });
    const tagInput = h('input', { id: 'ticket-tag', type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const tagProblem = h('div', { class: 'form-problem' });
    const tagForm = h('form', { class: 'inline-form' },
      h('label', { for: 'ticket-tag', text: 'Add a tag' }),
      h('div', { class: 'inline' }, tagInput, h('button', { type: 'submit', class: 'button', text: 'Add' })));
    tagForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = tagInput.value.trim().toLowerCase();
      if (!value) return;
      if (await change('PUT', `/api/tickets/${enc(ticketId)}`, { tags: [...ticket.tags, value] }, tagProblem, `Tag ${value} added.`)) tagInput.value = '';
      tagInput.focus();
    });
    const tags = section('side-tags', 'Tags', tagList, tagForm, tagProblem);

    // Customer
    const customerBody = h('div', { class: 'customer' }, h('p', { class: 'muted', text: 'Loading the customer…' }));
    const customer = section('side-customer', 'Customer', customerBody);
    const others = h('div');
    const otherTickets = section('side-others', 'Other tickets of this customer', others);

    side.append(status, priority, assignment, tags, customer, otherTickets);
    return { statusNow, statusButtons, statusProblem, prioritySelect, assigneeSelect, tagList, tagProblem, customerBody, others, fillAssignees, agentOptions: () => agentOptions };

    function fillAssignees() {
      if (!agentOptions || !ticket || !scope.alive) return;
      if (document.activeElement === assigneeSelect) return;
      const current = ticket.assigned_agent_id || '';
      const options = [];
      if (!current) options.push(h('option', { value: '', text: 'Unassigned', selected: true }));
      if (current && !agentOptions.some((agent) => agent.id === current)) {
        options.push(h('option', { value: current, text: current, selected: true }));
      }
      for (const agent of agentOptions) {
        const name = agent.name ? `${agent.name} (${agent.id})` : agent.id;
        const you = agent.id === session.username ? ', you' : '';
        options.push(h('option', { value: agent.id, selected: agent.id === current, text: `${name}${agent.role === 'admin' ? ' · admin' : ''}${you}` }));
      }
      assigneeSelect.replaceChildren(...options);
      assigneeSelect.disabled = false;
    }
  }

  function renderSide(previous) {
    const s = sideParts;
    if (!previous || previous.status !== ticket.status) {
      const hadFocus = s.statusButtons.contains(document.activeElement);
      s.statusNow.replaceChildren('Now ', badge('status', ticket.status));
      const buttons = TICKET_STATUSES.filter((value) => value !== ticket.status).map((value) => {
        const allowed = ticketCanBecome(ticket.status, value);
        const hintId = `status-hint-${value}`;
        const button = h('button', {
          type: 'button',
          class: `button status-button${allowed ? '' : ' refused'}`,
          'data-status': value,
          'aria-describedby': allowed ? null : hintId,
          text: label(value),
        });
        button.addEventListener('click', () =>
          change('PUT', `/api/tickets/${enc(ticketId)}`, { status: value }, s.statusProblem, `Status changed to ${label(value)}.`));
        return allowed ? button : h('span', { class: 'refused-wrap' }, button,
          h('span', { id: hintId, class: 'visually-hidden', text: `Not allowed from ${label(ticket.status)}` }));
      });
      s.statusButtons.replaceChildren(...buttons);
      if (hadFocus) s.statusButtons.querySelector('button')?.focus();
    }
    if (document.activeElement !== s.prioritySelect) s.prioritySelect.value = ticket.priority;
    sideParts.fillAssignees();
    if (!previous || JSON.stringify(previous.tags) !== JSON.stringify(ticket.tags)) {
      s.tagList.replaceChildren(...ticket.tags.map((name) => {
        const remove = h('button', { type: 'button', class: 'tag-remove', 'aria-label': `Remove tag ${name}`, text: '×' });
        remove.addEventListener('click', async () => {
          await change('PUT', `/api/tickets/${enc(ticketId)}`, { tags: ticket.tags.filter((tag) => tag !== name) }, s.tagProblem, `Tag ${name} removed.`);
          document.getElementById('ticket-tag')?.focus();
        });
        return h('li', { class: 'tag' }, h('span', { text: name }), remove);
      }));
      if (!ticket.tags.length) s.tagList.replaceChildren(h('li', { class: 'muted', text: 'No tags' }));
    }
    if (!previous) loadCustomer();
  }

  async function loadCustomer() {
    const customerId = ticket.customer?.internal_id;
    if (!customerId) return;
    try {
      const [profile, tickets] = await Promise.all([
        api.get(`/api/customers/${enc(customerId)}`, { signal: scope.signal }),
        api.get(`/api/customers/${enc(customerId)}/tickets${query({ limit: 10 })}`, { signal: scope.signal }),
      ]);
      if (!scope.alive) return;
      const c = profile.data;
      fill(sideParts.customerBody,
        h('p', { class: 'customer-name', text: c.name || 'No name given' }),
        c.primary_email ? h('p', null, h('a', { href: `mailto:${c.primary_email}`, text: c.primary_email })) : null,
        h('h3', { text: 'Channel identities' }),
        h('ul', { class: 'identities' }, (c.identities || []).map((identity) =>
          h('li', null, h('span', { class: 'identity-channel', text: `${label(identity.channel)}: ` }), h('span', { class: 'identity-handle', text: identity.handle })))),
        c.created_at ? h('p', { class: 'muted' }, 'Customer since ', formatDateTime(c.created_at)) : null);
      const list = (tickets.data || []).filter((other) => other.ticket_id !== ticketId);
      sideParts.others.replaceChildren(list.length
        ? h('ul', { class: 'other-tickets' }, list.map((other) => h('li', null,
          h('a', { href: `#/tickets/${enc(other.ticket_id)}`, text: other.subject || other.ticket_id }), ' ', badge('status', other.status))))
        : h('p', { class: 'muted', text: 'None.' }));
    } catch (error) {
      if (scope.alive) showNotice(sideParts.customerBody, 'error', error.message);
    }
  }

  scope.every(POLL_MS, async () => {
    if (!missing) await load();
  });
  reload();
  return { title: 'Ticket', el };
}
