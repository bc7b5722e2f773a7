// Reports (RP1, M7 analytics): the reports output of the change projector, which turns each batch of committed ticket
// changes and messages into one ADD per day and dimension, and the report of a date range for supervisors and admins,
// read as at most one item per day and id — never by reading messages.
import type * as z from 'zod';
import type { Actor } from '../domain/actors';
import { describeIssues, invalid } from '../domain/errors';
import type { Message } from '../domain/messages';
import { requireStaff } from '../domain/policy';
import {
  countMessage,
  countTagging,
  countTicketChange,
  DailyFigures,
  DURATION_EDGES_SECONDS,
  type ReportDimension,
  type ReportRow,
  reportDays,
  reportRow,
  TENANT_REPORT_ID,
} from '../domain/reports';
import type { Ticket } from '../domain/ticket-rules';
import { reportQuerySchema } from '../protocol/http';
import { batchGet } from '../store/batch-get';
import type { Change } from '../store/change-stream';
import { keys } from '../store/keys';
import {
  type AggregateWrites,
  addToReports,
  type DimensionMember,
  dimensionMembers,
  reportDaysOf,
} from '../store/reports';
import { parseTicketId, toTicket } from '../store/tickets';
import type { ChangeOutput, ProjectionBatch } from './change-projector';

export interface ReportProjection extends AggregateWrites {
  /** Aggregate items the batch moves (each written once, whatever the number of changes behind it). */
  aggregates: number;
}

type TicketStep = { before: Ticket | undefined; after: Ticket };

/**
 * The ticket each message belongs to as the change that wrote it left it: the ticket image in this batch whose seq
 * range covers the message's seq (the ticket and its messages are one transaction and one partition, so they arrive
 * together); else, split across batches or for a later tagging, the ticket as it is now.
 */
async function ticketsOf(messages: readonly Message[], steps: ReadonlyMap<string, TicketStep[]>) {
  const found = new Map<Message, Ticket>();
  const missing = new Set<string>();
  for (const message of messages) {
    const step = steps
      .get(message.ticketId)
      ?.find(
        ({ before, after }) => (before?.seq ?? Number.NEGATIVE_INFINITY) < message.seq && message.seq <= after.seq,
      );
    if (step) found.set(message, step.after);
    else missing.add(message.ticketId);
  }
  if (missing.size === 0) return found;
  const current = new Map(
    (
      await batchGet(
        [...missing].map((ticketId) => {
          const { clientId, number } = parseTicketId(ticketId);
          return keys.ticket(clientId, number);
        }),
      )
    ).map((item) => {
      const ticket = toTicket(item);
      return [ticket.ticketId, ticket] as const;
    }),
  );
  for (const message of messages) {
    const ticket = current.get(message.ticketId);
    if (!found.has(message) && ticket) found.set(message, ticket);
  }
  return found;
}

/** The figures of one batch, summed per day and dimension. */
export async function reportFiguresOf(changes: readonly Change[]): Promise<DailyFigures> {
  const figures = new DailyFigures();
  const steps = new Map<string, TicketStep[]>();
  const written: Message[] = [];
  const tagged: Array<{ before: Message | undefined; after: Message }> = [];
  for (const change of changes) {
    if (change.entity === 'ticket' && change.after) {
      const step = { before: change.kind === 'insert' ? undefined : change.before, after: change.after };
      steps.set(change.after.ticketId, [...(steps.get(change.after.ticketId) ?? []), step]);
      // A change without its old image cannot say what moved; only an insert opens a ticket.
      if (change.kind === 'insert' || step.before) countTicketChange(figures, step.before, step.after);
    } else if (change.entity === 'message' && change.after) {
      if (change.kind === 'insert') written.push(change.after);
      else if ((change.after.tags?.length ?? 0) > (change.before?.tags?.length ?? 0)) {
        tagged.push({ before: change.before, after: change.after });
      }
    }
  }
  const tickets = await ticketsOf([...written, ...tagged.map(({ after }) => after)], steps);
  for (const message of written) {
    const ticket = tickets.get(message);
    if (ticket) countMessage(figures, message, ticket);
  }
  for (const { before, after } of tagged) {
    const ticket = tickets.get(after);
    if (ticket) countTagging(figures, before, after, ticket);
  }
  return figures;
}

export async function projectReports(batch: ProjectionBatch): Promise<ReportProjection> {
  const deltas = (await reportFiguresOf(batch.changes)).all;
  const writes = await addToReports(deltas, batch.batchId, batch.at);
  return { aggregates: deltas.length, ...writes };
}

export const reportsOutput: ChangeOutput = { name: 'reports', project: projectReports };

// ---- GET /reports ----

export { reportQuerySchema };
export type ReportQuery = z.output<typeof reportQuerySchema>;

export interface ReportResult {
  from: string;
  to: string;
  by: ReportDimension;
  interval: 'range' | 'day';
  days: number;
  /** Upper edges of the duration buckets (seconds); medians and p90s are given as the bucket they fall in. */
  bucketEdgesSeconds: readonly number[];
  rows: Array<ReportRow & { name?: string }>;
  /** Aggregate items read: at most one per day and id. */
  itemsRead: number;
}

export function parseReportQuery(input: Record<string, unknown>): ReportQuery {
  const parsed = reportQuerySchema.safeParse(input);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues), { reason: 'bad_query' });
  return parsed.data;
}

/**
 * RP1: the figures of a date range per operator, group or channel (or the tenant), for supervisors and admins — who
 * see every ticket (L1), so every id. A year reads at most 366 items per id.
 */
export async function buildReport(actor: Actor, input: Record<string, unknown>): Promise<ReportResult> {
  requireStaff(actor);
  const query = parseReportQuery(input);
  const days = reportDays(query.from, query.to);
  const everyone: DimensionMember[] =
    query.by === 'tenant' ? [{ id: TENANT_REPORT_ID, name: 'All' }] : await dimensionMembers(query.by);
  // An id no longer listed (a deleted group) still has its days: asked for by id, they are read all the same.
  const members = query.id
    ? [everyone.find((member) => member.id === query.id) ?? { id: query.id, name: '' }]
    : everyone;
  let itemsRead = 0;
  const rows: ReportResult['rows'] = [];
  const perMember = await Promise.all(
    members.map(async (member) => ({ member, days: await reportDaysOf(query.by, member.id, query.from, query.to) })),
  );
  for (const { member, days: stored } of perMember) {
    itemsRead += stored.length;
    if (stored.length === 0) continue;
    const name = member.name ? { name: member.name } : {};
    if (query.interval === 'day') {
      for (const day of stored) rows.push({ ...reportRow(member.id, [day.figures], day.day), ...name });
    } else {
      rows.push({
        ...reportRow(
          member.id,
          stored.map((day) => day.figures),
        ),
        ...name,
      });
    }
  }
  return {
    from: query.from,
    to: query.to,
    by: query.by,
    interval: query.interval,
    days: days.length,
    bucketEdgesSeconds: DURATION_EDGES_SECONDS,
    rows,
    itemsRead,
  };
}

const CSV_COLUMNS = [
  'id',
  'name',
  'day',
  'ticketsOpened',
  'closedByOperators',
  'closedAutomatically',
  'clientMessages',
  'operatorMessages',
  'firstResponseCount',
  'firstResponseMedianFromSeconds',
  'firstResponseMedianToSeconds',
  'firstResponseP90FromSeconds',
  'firstResponseP90ToSeconds',
  'firstResponseMeanSeconds',
  'resolutionCount',
  'resolutionMedianFromSeconds',
  'resolutionMedianToSeconds',
  'resolutionP90FromSeconds',
  'resolutionP90ToSeconds',
  'resolutionMeanSeconds',
  'slaWarnings',
  'slaBreaches',
  'slaAnswers',
  'slaAnswersInTime',
  'slaAnsweredInTimeShare',
  'tags',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
const csvField = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The report as CSV: one line per row, durations as bucket bounds in seconds, tags as `name=count;…`. */
export function reportCsv(report: ReportResult): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) {
    const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      id: row.id,
      name: row.name,
      day: row.day ?? `${report.from}..${report.to}`,
      ticketsOpened: row.ticketsOpened,
      closedByOperators: row.closedByOperators,
      closedAutomatically: row.closedAutomatically,
      clientMessages: row.clientMessages,
      operatorMessages: row.operatorMessages,
      firstResponseCount: row.firstResponse.count,
      firstResponseMedianFromSeconds: row.firstResponse.median?.fromSeconds,
      firstResponseMedianToSeconds: row.firstResponse.median?.toSeconds,
      firstResponseP90FromSeconds: row.firstResponse.p90?.fromSeconds,
      firstResponseP90ToSeconds: row.firstResponse.p90?.toSeconds,
      firstResponseMeanSeconds: row.firstResponse.meanSeconds,
      resolutionCount: row.resolution.count,
      resolutionMedianFromSeconds: row.resolution.median?.fromSeconds,
      resolutionMedianToSeconds: row.resolution.median?.toSeconds,
      resolutionP90FromSeconds: row.resolution.p90?.fromSeconds,
      resolutionP90ToSeconds: row.resolution.p90?.toSeconds,
      resolutionMeanSeconds: row.resolution.meanSeconds,
      slaWarnings: row.sla.warnings,
      slaBreaches: row.sla.breaches,
      slaAnswers: row.sla.answers,
      slaAnswersInTime: row.sla.answersInTime,
      slaAnsweredInTimeShare: row.sla.answeredInTimeShare,
      tags: Object.entries(row.tags)
        .map(([tag, count]) => `${tag}=${count}`)
        .join(';'),
    };
    lines.push(CSV_COLUMNS.map((column) => csvField(values[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
