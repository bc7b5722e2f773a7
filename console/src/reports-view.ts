// RP1 for supervisors and admins: the last seven days' figures per operator, group, channel or tenant.
import { fill, h } from './dom';
import type { Session } from './session';

interface ReportRow {
  id: string;
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
    const report = await session.api<{ rows?: ReportRow[]; items?: ReportRow[] }>(
      `/reports?from=${day(-6)}&to=${day(0)}&by=${by}`,
    );
    const rows = report.rows ?? report.items ?? [];
    const cell = (value: number | null | undefined) => h('td', {}, value ?? '—');
    fill(
      pane,
      h('h3', {}, 'Reports, last 7 days'),
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
