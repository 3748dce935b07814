/*
 * Analytics: the tenant's summary figures, and charts of leads by temperature and by pipeline
 * stage and of tickets by status. The charts are SVG drawn here (bars, labels and values), each
 * an image whose description carries every figure, so screen readers get the numbers too.
 */
import { LEAD_STAGES, TICKET_STATUSES, h, label, showNotice, svg } from './ui.js';

const POLL_MS = 30000;

let chartCount = 0;

/**
 * A horizontal bar chart of `rows` (`{ name, value, kind }`), scaled to the largest value. The
 * drawing is 320 units wide and scales with its box.
 */
export function barChart(title, rows, note) {
  chartCount += 1;
  const id = `chart-${chartCount}`;
  const rowHeight = 34;
  const labelWidth = 118;
  const barSpace = 150;
  const height = rows.length * rowHeight + 4;
  const largest = Math.max(1, ...rows.map((row) => row.value));
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  const described = rows.map((row) => `${row.name}: ${row.value}`).join('; ');
  const drawing = svg('svg', {
    class: 'chart',
    viewBox: `0 0 320 ${height}`,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    preserveAspectRatio: 'xMinYMin meet',
  },
  svg('title', { id: `${id}-title`, text: title }),
  svg('desc', { id: `${id}-desc`, text: described }),
  rows.map((row, index) => {
    const y = index * rowHeight + 4;
    const width = row.value > 0 ? Math.max(3, Math.round((row.value / largest) * barSpace)) : 0;
    return svg('g', { class: `bar bar-${row.kind}` },
      svg('text', { x: 0, y: y + 19, class: 'chart-label', text: row.name }),
      svg('rect', { x: labelWidth, y: y + 4, width: barSpace, height: 22, rx: 4, class: 'bar-track' }),
      svg('rect', { x: labelWidth, y: y + 4, width, height: 22, rx: 4, class: 'bar-fill' }),
      svg('text', { x: labelWidth + barSpace + 8, y: y + 19, class: 'chart-value', text: String(row.value) }));
  }));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', null, h('span', { class: 'chart-title', text: title }), h('span', { class: 'muted', text: ` · ${total} in all` })),
    drawing,
    note ? h('p', { class: 'muted chart-note', text: note }) : null);
}

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function figure(name, value, hint) {
  return h('div', { class: 'figure' },
    h('dt', { text: name }),
    h('dd', null, h('span', { class: 'figure-value', text: value }), hint ? h('span', { class: 'figure-hint', text: hint }) : null));
}

function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—';
  if (seconds < 90) return `${number.format(seconds)} s`;
  if (seconds < 5400) return `${number.format(seconds / 60)} min`;
  return `${number.format(seconds / 3600)} h`;
}

export function analyticsView(ctx) {
  const { api, scope } = ctx;
  const heading = h('h1', { tabindex: '-1', text: 'Analytics' });
  const problem = h('div', { class: 'view-problem' });
  const figures = h('dl', { class: 'figures', 'aria-label': 'Summary figures' });
  const charts = h('div', { class: 'charts' });
  const el = h('section', { class: 'page analytics' },
    h('div', { class: 'page-head' }, heading, h('p', { class: 'muted', text: 'Your team’s leads and tickets, counted as they change.' })),
    problem,
    figures,
    charts);

  async function load() {
    try {
      const answer = await api.get('/api/v1/analytics/summary', { signal: scope.signal });
      if (!scope.alive || (!answer.changed && figures.childElementCount)) return;
      const data = answer.data;
      figures.replaceChildren(
        figure('Conversations', number.format(data.total_conversations ?? 0), 'with at least one message'),
        figure('Leads captured', number.format(data.leads_captured ?? 0)),
        figure('Hot leads', number.format(data.hot_leads ?? 0)),
        figure('Conversion rate', `${number.format(data.conversion_rate ?? 0)} %`, 'of all leads converted'),
        figure('Average response time', duration(data.avg_response_time), 'from a visitor’s message to the reply'));

      const scored = (data.hot_leads ?? 0) + (data.warm_leads ?? 0) + (data.cold_leads ?? 0);
      const temperature = [
        { name: 'Hot', value: data.hot_leads ?? 0, kind: 'hot' },
        { name: 'Warm', value: data.warm_leads ?? 0, kind: 'warm' },
        { name: 'Cold', value: data.cold_leads ?? 0, kind: 'cold' },
        { name: 'Neutral', value: Math.max(0, (data.leads_captured ?? 0) - scored), kind: 'neutral' },
      ];
      const parts = [barChart('Leads by temperature', temperature)];
      const stages = data.leads_by_stage;
      parts.push(stages
        ? barChart('Leads by stage', LEAD_STAGES.map((stage) => ({ name: label(stage), value: stages[stage] ?? 0, kind: `stage-${stage}` })))
        : unavailable('Leads by stage'));
      const statuses = data.tickets_by_status;
      parts.push(statuses
        ? barChart('Tickets by status', TICKET_STATUSES.map((status) => ({ name: label(status), value: statuses[status] ?? 0, kind: `status-${status}` })))
        : unavailable('Tickets by status'));
      charts.replaceChildren(...parts);
      showNotice(problem, '', '');
    } catch (error) {
      if (scope.alive) showNotice(problem, 'error', error.message);
      throw error;
    }
  }

  const unavailable = (title) =>
    h('figure', { class: 'chart-figure' }, h('figcaption', { class: 'chart-title', text: title }),
      h('p', { class: 'muted', text: 'Frontdesk did not send these figures.' }));

  load().catch(() => {});
  scope.every(POLL_MS, load);
  return { title: 'Analytics', el };
}
