// RP1 for supervisors and admins: the last seven days' figures per operator, group, channel or tenant, and the
// tenant's tickets per day as a small bar chart above them.
import { fill, h, svg } from './dom';
import type { Session } from './session';

interface ReportRow {
  id: string;
  /** Only with `interval=day`. */
  day?: string;
  name?: string;
  ticketsOpened?: number;
  closedByOperators?: number;
  closedAutomatically?: number;
  clientMessages?: number;
  operatorMessages?: number;
  firstResponse?: { count?: number; meanSeconds?: number | null };
  sla?: { warnings?: number; breaches?: number; answeredInTimeShare?: number | null };
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The bars of each day, in order; a day with no row has nothing stored, so zero. */
const SERIES = [
  { key: 'opened', value: (row: ReportRow) => row.ticketsOpened ?? 0 },
  { key: 'closed', value: (row: ReportRow) => (row.closedByOperators ?? 0) + (row.closedAutomatically ?? 0) },
  { key: 'breached', value: (row: ReportRow) => row.sla?.breaches ?? 0, label: 'SLA breaches' },
];

/** The tenant's days from `by=tenant&interval=day` as grouped bars, each titled for a screen reader or a hover. */
function dailyChart(from: string, rows: ReportRow[]) {
  const days = Array.from({ length: 7 }, (_, index) =>
    new Date(Date.parse(from) + index * 86_400_000).toISOString().slice(0, 10),
  );
  const figures = days.map((date) => {
    const row = rows.find((candidate) => candidate.day === date) ?? { id: '' };
    return { date, values: SERIES.map((series) => ({ series, value: series.value(row) })) };
  });
  const top = Math.max(1, ...figures.flatMap(({ values }) => values.map(({ value }) => value)));
  const [width, barsHeight, bar] = [52, 80, 14];
  return h(
    'figure',
    { class: 'report-chart' },
    svg(
      'svg',
      { id: 'report-chart', role: 'img', 'aria-labelledby': 'report-chart-title', viewBox: `0 0 ${width * 7} 110` },
      svg('title', { id: 'report-chart-title' }, 'Tickets opened and closed and SLA breaches per day, last 7 days'),
      figures.map(({ date, values }, dayIndex) =>
        svg(
          'g',
          { transform: `translate(${dayIndex * width + 4},0)`, 'data-day': date },
          values.map(({ series, value }, index) => {
            const height = Math.round((value / top) * barsHeight);
            const name = series.label ?? series.key;
            return svg(
              'rect',
              { class: series.key, x: index * bar, y: 90 - height, width: bar - 2, height, 'data-value': value },
              svg('title', {}, `${date}: ${value} ${name}`),
            );
          }),
          svg('text', { x: (bar * SERIES.length) / 2, y: 104, 'text-anchor': 'middle' }, date.slice(5)),
        ),
      ),
    ),
    h(
      'figcaption',
      { class: 'legend' },
      SERIES.flatMap((series) => [h('span', { class: `swatch ${series.key}` }), ` ${series.label ?? series.key} `]),
    ),
  );
}

export async function renderReports(session: Session, pane: HTMLElement, by = 'operator') {
  const select = h(
    'select',
    { id: 'report-by', onchange: () => void renderReports(session, pane, select.value) },
    ['operator', 'group', 'channel', 'tenant'].map((value) =>
      h('option', { value, selected: value === by }, `by ${value}`),
    ),
  );
  fill(pane, h('h3', {}, 'Reports, last 7 days'), select, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const range = `from=${day(-6)}&to=${day(0)}`;
    const [report, daily] = await Promise.all([
      session.api<{ rows?: ReportRow[]; items?: ReportRow[] }>(`/reports?${range}&by=${by}`),
      session.api<{ from: string; rows: ReportRow[] }>(`/reports?${range}&by=tenant&interval=day`),
    ]);
    const rows = report.rows ?? report.items ?? [];
    const cell = (value: number | null | undefined) => h('td', {}, value ?? '—');
    fill(
      pane,
      h('h3', {}, 'Reports, last 7 days'),
      dailyChart(daily.from, daily.rows),
      select,
      h(
        'table',
        { class: 'report', id: 'report' },
        h(
          'tr',
          {},
          [
            '',
            'opened',
            'closed',
            'auto-closed',
            'client msgs',
            'replies',
            'SLA warnings',
            'SLA breaches',
            'in time',
          ].map((title) => h('th', {}, title)),
        ),
        rows.map((row) =>
          h(
            'tr',
            {},
            h('th', {}, row.name ?? row.id),
            cell(row.ticketsOpened),
            cell(row.closedByOperators),
            cell(row.closedAutomatically),
            cell(row.clientMessages),
            cell(row.operatorMessages),
            cell(row.sla?.warnings),
            cell(row.sla?.breaches),
            h(
              'td',
              {},
              row.sla?.answeredInTimeShare == null ? '—' : `${Math.round(row.sla.answeredInTimeShare * 100)}%`,
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    fill(pane, h('h3', {}, 'Reports'), h('p', { class: 'error' }, (error as Error).message));
  }
}
