// T11 auto-close clock: how long a ticket may stay silent in its status, when that silence runs out, and the
// decision to close it once it has. Pure; the timer that wakes the decision up is in use-cases/auto-close.ts.
import { nextSeq } from './ticket-change';
import type { Decision, Ticket } from './ticket-rules';

/** The timer kind that carries a ticket's auto-close deadline. */
export const AUTO_CLOSE_TIMER = 'ticket.autoClose';

export interface AutoClosePeriods {
  inProgressMinutes: number;
  unassignedDays: number;
}

const silenceMs = (ticket: Pick<Ticket, 'status'>, periods: AutoClosePeriods) =>
  ticket.status === 'in_progress' ? periods.inProgressMinutes * 60_000 : periods.unassignedDays * 86_400_000;

/** When the ticket's current silence would close it. */
export function autoCloseDue(ticket: Pick<Ticket, 'status' | 'lastMessageAt'>, periods: AutoClosePeriods): Date {
  return new Date(Date.parse(ticket.lastMessageAt) + silenceMs(ticket, periods));
}

/**
 * When the timer should fire: the deadline, or `now` when that has passed already (a ticket taken after a long
 * silence) — sweeps never look below their watermark, so a timer written into the past would never fire.
 */
export function autoCloseTimerDue(
  ticket: Pick<Ticket, 'status' | 'lastMessageAt'>,
  periods: AutoClosePeriods,
  now?: Date,
): Date {
  const deadline = autoCloseDue(ticket, periods);
  return now && deadline < now ? now : deadline;
}

/** T11: the timer's view of a ticket — closes it when the silence has lasted long enough. */
export function decideAutoClose(ticket: Ticket, periods: AutoClosePeriods, now: Date): Decision | undefined {
  if (ticket.status === 'closed') return undefined;
  if (now.getTime() - Date.parse(ticket.lastMessageAt) < silenceMs(ticket, periods)) return undefined;
  const at = now.toISOString();
  return {
    changes: { seq: nextSeq(ticket), statusChangedAt: at, status: 'closed', closedAt: at, unreadCount: 0 },
    removes: [],
    expect: { status: ticket.status, assigneeId: ticket.assigneeId, seq: ticket.seq },
    note: { code: 'auto_closed', text: 'Ticket closed automatically after no messages', params: {} },
  };
}
