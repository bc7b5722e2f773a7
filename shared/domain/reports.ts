// Daily report figures (RP1, M7 analytics), pure: which committed ticket changes and messages move which figure of
// which day and dimension (operator, group, channel, the whole tenant), the fixed duration buckets that make median
// and 90th percentile of any range exact to one bucket, and the sums of a range read back.
import { invalid } from './errors';
import type { Message } from './messages';
import { answeredInTime } from './sla';
import type { Ticket } from './ticket-rules';

export const REPORT_DIMENSIONS = ['operator', 'group', 'channel', 'tenant'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];
/** The tenant-wide dimension has one id. */
export const TENANT_REPORT_ID = 'all';

/**
 * Upper edges of the duration buckets, in seconds: bucket 0 holds [0, 30 s), bucket i holds [edge[i-1], edge[i]), the
 * last holds 7 days and more. Fine where support times usually fall (minutes), coarse for days.
 */
export const DURATION_EDGES_SECONDS = [
  30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800,
] as const;
export const DURATION_BUCKETS = DURATION_EDGES_SECONDS.length + 1;

export function durationBucket(seconds: number): number {
  const index = DURATION_EDGES_SECONDS.findIndex((edge) => seconds < edge);
  return index < 0 ? DURATION_EDGES_SECONDS.length : index;
}

/** A bucket as a range of seconds; `toSeconds` null for the open last bucket. */
export interface BucketRange {
  fromSeconds: number;
  toSeconds: number | null;
}

export function bucketRange(bucket: number): BucketRange {
  return {
    fromSeconds: bucket === 0 ? 0 : (DURATION_EDGES_SECONDS[bucket - 1] as number),
    toSeconds: DURATION_EDGES_SECONDS[bucket] ?? null,
  };
}

/** The plain counts of a day. */
export const COUNT_FIGURES = [
  'ticketsOpened',
  'closedByOperators',
  'closedAutomatically',
  'clientMessages',
  'operatorMessages',
  'slaWarnings',
  'slaBreaches',
  /** S2: client waits an operator answered while the SLA clock ran… */
  'slaAnswers',
  /** …and those answered by the deadline. */
  'slaAnswersInTime',
] as const;
export type CountFigure = (typeof COUNT_FIGURES)[number];

export const DURATION_FIGURES = ['firstResponse', 'resolution'] as const;
export type DurationFigure = (typeof DURATION_FIGURES)[number];

/** Attribute names of one day's aggregate: counts by name, histograms `<figure>.<bucket>`, sums, tags `tag:<name>`. */
export const figureAttribute = {
  count: (figure: CountFigure) => figure,
  bucket: (figure: DurationFigure, bucket: number) => `${figure}.${String(bucket).padStart(2, '0')}`,
  sum: (figure: DurationFigure) => `${figure}.seconds`,
  tag: (name: string) => `tag:${name}`,
};

/** One aggregate item's increments: the (dimension, id, day) it belongs to and what it adds. */
export interface AggregateDelta {
  dimension: ReportDimension;
  id: string;
  day: string;
  adds: Record<string, number>;
}

/** The part of a ticket that decides where its figures go. */
type Placement = Pick<Ticket, 'groupId' | 'channelId'> & { operatorId?: string | undefined };

export const dayOf = (iso: string) => iso.slice(0, 10);

/** Sums increments per (dimension, id, day), so a batch writes each aggregate once. */
export class DailyFigures {
  private readonly deltas = new Map<string, AggregateDelta>();

  add(at: string, placement: Placement, attribute: string, amount = 1): void {
    const day = dayOf(at);
    const targets: Array<[ReportDimension, string | undefined]> = [
      ['operator', placement.operatorId],
      ['group', placement.groupId],
      ['channel', placement.channelId],
      ['tenant', TENANT_REPORT_ID],
    ];
    for (const [dimension, id] of targets) {
      if (!id) continue;
      const key = `${dimension}\u0000${id}\u0000${day}`;
      let delta = this.deltas.get(key);
      if (!delta) {
        delta = { dimension, id, day, adds: {} };
        this.deltas.set(key, delta);
      }
      delta.adds[attribute] = (delta.adds[attribute] ?? 0) + amount;
    }
  }

  addDuration(at: string, placement: Placement, figure: DurationFigure, seconds: number): void {
    const whole = Math.max(0, Math.round(seconds));
    this.add(at, placement, figureAttribute.bucket(figure, durationBucket(whole)));
    this.add(at, placement, figureAttribute.sum(figure), whole);
  }

  /** Sorted by key, so the same batch always splits into the same write chunks. */
  get all(): AggregateDelta[] {
    return [...this.deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, delta]) => delta);
  }
}

const secondsBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/**
 * A committed ticket change: opening (T1, T9), closing by an operator or automatically (T8, T11) with the resolution
 * time, the first response, and an SLA wait answered (S2) — each at its own moment, attributed to the ticket's group
 * and channel and to the operator concerned.
 */
export function countTicketChange(figures: DailyFigures, before: Ticket | undefined, after: Ticket): void {
  const place = (operatorId: string | undefined): Placement => ({
    groupId: after.groupId,
    channelId: after.channelId,
    operatorId,
  });
  if (!before) {
    figures.add(after.openedAt, place(after.assigneeId), 'ticketsOpened');
    return;
  }
  if (before.status !== 'closed' && after.status === 'closed' && after.closedAt) {
    const closer = after.closedBy ?? before.assigneeId;
    figures.add(after.closedAt, place(closer), after.closedBy ? 'closedByOperators' : 'closedAutomatically');
    figures.addDuration(after.closedAt, place(closer), 'resolution', secondsBetween(after.openedAt, after.closedAt));
  }
  if (!before.firstReplyAt && after.firstReplyAt) {
    const seconds = secondsBetween(after.openedAt, after.firstReplyAt);
    figures.addDuration(after.firstReplyAt, place(after.assigneeId), 'firstResponse', seconds);
  }
  // S2: the clock stopped without the ticket closing: an operator answered the waiting client.
  if (before.sla && !after.sla && after.status !== 'closed' && after.lastMessageFromOperator) {
    const answeredAt = after.lastMessageAt;
    figures.add(answeredAt, place(after.assigneeId), 'slaAnswers');
    if (answeredInTime(before.sla, answeredAt)) figures.add(answeredAt, place(after.assigneeId), 'slaAnswersInTime');
  }
}

/**
 * A new message or timeline note (T10) in the ticket as its change left it: client and operator messages, SLA
 * warnings and breaches. Bot messages and other notes move nothing.
 */
export function countMessage(figures: DailyFigures, message: Message, ticket: Ticket): void {
  const place = (operatorId: string | undefined): Placement => ({
    groupId: ticket.groupId,
    channelId: ticket.channelId,
    operatorId,
  });
  const author = message.author;
  if (author.kind === 'client') figures.add(message.createdAt, place(ticket.assigneeId), 'clientMessages');
  else if (author.kind === 'operator' && message.kind !== 'system') {
    figures.add(message.createdAt, place(author.operatorId), 'operatorMessages');
  } else if (message.note?.code === 'sla_warning') {
    figures.add(message.createdAt, place(ticket.assigneeId), 'slaWarnings');
  } else if (message.note?.code === 'sla_breached') {
    figures.add(message.createdAt, place(ticket.assigneeId), 'slaBreaches');
  }
}

/**
 * M7: tags a message gained, counted on the day the message was written (so a day's tagged messages are among that
 * day's messages), for the message's author if an operator wrote it, else the ticket's assignee.
 */
export function countTagging(figures: DailyFigures, before: Message | undefined, after: Message, ticket: Ticket): void {
  const had = new Set(before?.tags ?? []);
  const operatorId = after.author.kind === 'operator' ? after.author.operatorId : ticket.assigneeId;
  for (const name of after.tags ?? []) {
    if (had.has(name)) continue;
    figures.add(
      after.createdAt,
      { groupId: ticket.groupId, channelId: ticket.channelId, operatorId },
      figureAttribute.tag(name),
    );
  }
}

// ---- Reading a range back ----

/** A day's aggregate as stored: attribute → amount (non-figure attributes are ignored). */
export type DayAggregate = Record<string, unknown>;

export interface DurationSummary {
  count: number;
  /** Nearest-rank percentiles as the bucket they fall in: the true value lies inside it. */
  median: BucketRange | null;
  p90: BucketRange | null;
  meanSeconds: number | null;
  /** Counts per bucket, in the order of DURATION_EDGES_SECONDS (plus the open last bucket). */
  buckets: number[];
}

export interface ReportRow {
  id: string;
  /** Set when the row covers one day (`interval=day`). */
  day?: string;
  ticketsOpened: number;
  closedByOperators: number;
  closedAutomatically: number;
  clientMessages: number;
  operatorMessages: number;
  firstResponse: DurationSummary;
  resolution: DurationSummary;
  sla: {
    warnings: number;
    breaches: number;
    answers: number;
    answersInTime: number;
    answeredInTimeShare: number | null;
  };
  /** M7: tagged messages per tag name. */
  tags: Record<string, number>;
}

/** The bucket holding the value of nearest rank `ceil(share × count)`. */
export function percentileBucket(buckets: readonly number[], share: number): number | undefined {
  const count = buckets.reduce((sum, n) => sum + n, 0);
  if (count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(share * count));
  let seen = 0;
  for (let bucket = 0; bucket < buckets.length; bucket++) {
    seen += buckets[bucket] ?? 0;
    if (seen >= rank) return bucket;
  }
  return buckets.length - 1;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

function durationSummary(days: readonly DayAggregate[], figure: DurationFigure): DurationSummary {
  const buckets = Array.from({ length: DURATION_BUCKETS }, (_, bucket) =>
    days.reduce((sum, day) => sum + numberOf(day[figureAttribute.bucket(figure, bucket)]), 0),
  );
  const count = buckets.reduce((sum, n) => sum + n, 0);
  const seconds = days.reduce((sum, day) => sum + numberOf(day[figureAttribute.sum(figure)]), 0);
  const at = (share: number) => {
    const bucket = percentileBucket(buckets, share);
    return bucket === undefined ? null : bucketRange(bucket);
  };
  return { count, median: at(0.5), p90: at(0.9), meanSeconds: count ? Math.round(seconds / count) : null, buckets };
}

/** Sums the days of one id (a range, or one day) into a report row. */
export function reportRow(id: string, days: readonly DayAggregate[], day?: string): ReportRow {
  const total = (attribute: string) => days.reduce((sum, item) => sum + numberOf(item[attribute]), 0);
  const tags: Record<string, number> = {};
  for (const item of days) {
    for (const [attribute, value] of Object.entries(item)) {
      if (attribute.startsWith('tag:')) tags[attribute.slice(4)] = (tags[attribute.slice(4)] ?? 0) + numberOf(value);
    }
  }
  const answers = total('slaAnswers');
  const answersInTime = total('slaAnswersInTime');
  return {
    id,
    ...(day ? { day } : {}),
    ticketsOpened: total('ticketsOpened'),
    closedByOperators: total('closedByOperators'),
    closedAutomatically: total('closedAutomatically'),
    clientMessages: total('clientMessages'),
    operatorMessages: total('operatorMessages'),
    firstResponse: durationSummary(days, 'firstResponse'),
    resolution: durationSummary(days, 'resolution'),
    sla: {
      warnings: total('slaWarnings'),
      breaches: total('slaBreaches'),
      answers,
      answersInTime,
      answeredInTimeShare: answers ? Math.round((answersInTime / answers) * 10_000) / 10_000 : null,
    },
    tags,
  };
}

/** RP1: a range is at most this many days (a leap year). */
export const MAX_REPORT_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists, or undefined. */
function parseDay(value: string): number | undefined {
  if (!DATE.test(value)) return undefined;
  const at = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value ? undefined : at;
}

/** The days of a valid range, oldest first; bad dates, a reversed or too long range are refused with a reason. */
export function reportDays(from: string, to: string): string[] {
  const start = parseDay(from);
  const end = parseDay(to);
  if (start === undefined || end === undefined) {
    throw invalid('from and to must be calendar dates written YYYY-MM-DD.', { reason: 'bad_date' });
  }
  if (end < start) throw invalid('to must not be before from.', { reason: 'range_reversed' });
  const count = (end - start) / 86_400_000 + 1;
  if (count > MAX_REPORT_DAYS) {
    throw invalid(`A report covers at most ${MAX_REPORT_DAYS} days; this range has ${count}.`, {
      reason: 'range_too_long',
    });
  }
  return Array.from({ length: count }, (_, index) => new Date(start + index * 86_400_000).toISOString().slice(0, 10));
}
