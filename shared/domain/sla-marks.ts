// S3: a ticket earns its SLA mark when the clock's timer fires — a pure decision over the ticket as it is now. A timer
// set for an earlier clock (the client was answered meanwhile), or one that fires before its mark is due, changes
// nothing; a mark is a timeline note (T10).
import { timelineEntry } from './messages';
import { markDue, type SlaClock, type SlaMark, withMark } from './sla';
import { type TicketChange, ticketChange } from './ticket-change';
import type { Ticket } from './ticket-rules';

/** The mark the ticket earns now, for the clock that started at `since`; undefined when nothing changes. */
export function decideSlaMark(ticket: Ticket, since: string | undefined, now: Date): TicketChange | undefined {
  const clock = ticket.sla;
  if (!clock || ticket.status === 'closed' || (since !== undefined && clock.since !== since)) return undefined;
  const mark = markDue(clock, now);
  if (!mark) return undefined;
  return ticketChange(ticket, { ...ticket, sla: withMark(clock, mark) }, [
    timelineEntry(noteOf(clock, mark), undefined, now),
  ]);
}

function noteOf(clock: SlaClock, mark: SlaMark) {
  const waited = mark === 'warning' ? clock.warnAt : clock.dueAt;
  const seconds = Math.round((Date.parse(waited ?? clock.dueAt) - Date.parse(clock.since)) / 1000);
  return mark === 'warning'
    ? {
        code: 'sla_warning' as const,
        text: `SLA warning: the client has waited ${duration(seconds)} for an answer`,
        params: { since: clock.since, dueAt: clock.dueAt },
      }
    : {
        code: 'sla_breached' as const,
        text: `SLA deadline passed: the client has waited ${duration(seconds)} for an answer`,
        params: { since: clock.since, dueAt: clock.dueAt },
      };
}

const duration = (seconds: number) =>
  seconds % 60 === 0
    ? `${seconds / 60} min`
    : seconds > 60
      ? `${Math.floor(seconds / 60)} min ${seconds % 60} s`
      : `${seconds} s`;
