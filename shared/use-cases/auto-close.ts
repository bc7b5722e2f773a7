// T11 auto-close: an open ticket carries a durable timer for the moment its silence would close it. Timers are
// written when a ticket opens or changes hands (never per message); when one fires, the ticket is closed if it has
// really been silent that long, and otherwise the timer moves to the new deadline. A racing client message wins or
// loses cleanly on the ticket's sequence number: it lands before the close, or opens a new ticket after it.

import { applyDecision, decideAutoClose, type Ticket } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { publishTicketChange } from '../realtime/ticket-events';
import { getChannel } from '../store/channels';
import { putMessage, systemMessage } from '../store/messages';
import { autoCloseMinutesFor, readSettings, type Settings } from '../store/settings';
import { clearOpenTicket, counterDeltas, counterUpdates, getTicket, putTicketIfUnchanged } from '../store/tickets';
import { type DueTimer, scheduleTimer, type TimerJob, timerItem } from '../store/timers';
import { stale, type TransactStep, transactWrite, withFreshRead } from '../store/transactions';

export const AUTO_CLOSE_TIMER = 'ticket.autoClose';

export interface AutoClosePeriods {
  inProgressMinutes: number;
  unassignedDays: number;
}

export async function periodsFor(ticket: Pick<Ticket, 'channelId'>, settings?: Settings): Promise<AutoClosePeriods> {
  const [current, channel] = await Promise.all([settings ?? readSettings(), getChannel(ticket.channelId)]);
  return {
    inProgressMinutes: channel ? autoCloseMinutesFor(current, channel) : current.autoClose.inProgressMinutes,
    unassignedDays: current.autoClose.unassignedDays,
  };
}

/** When the ticket's current silence would close it. */
export function autoCloseDue(ticket: Ticket, periods: AutoClosePeriods): Date {
  const silence =
    ticket.status === 'in_progress' ? periods.inProgressMinutes * 60_000 : periods.unassignedDays * 86_400_000;
  return new Date(Date.parse(ticket.lastMessageAt) + silence);
}

/**
 * A transaction part: the ticket's auto-close timer at its current deadline, or at `now` when that has passed already
 * (a ticket taken after a long silence): sweeps look only minutes back, so a timer written into the past never fires.
 */
export function autoCloseTimerStep(ticket: Ticket, periods: AutoClosePeriods, now?: Date): TransactStep {
  const deadline = autoCloseDue(ticket, periods);
  const due = (now && deadline < now ? now : deadline).toISOString();
  return {
    item: {
      Put: { TableName: readConfig().tableName, Item: timerItem({ kind: AUTO_CLOSE_TIMER, id: ticket.ticketId, due }) },
    },
  };
}

export const autoCloseJob: TimerJob = async (timer: DueTimer, now: Date) => {
  const outcome = await withFreshRead(async () => {
    const before = await getTicket(timer.id);
    if (before.status === 'closed') return undefined;
    const periods = await periodsFor(before);
    const decision = decideAutoClose(before, periods, now);
    if (!decision) {
      await scheduleTimer({
        kind: AUTO_CLOSE_TIMER,
        id: before.ticketId,
        due: autoCloseDue(before, periods).toISOString(),
      });
      return undefined;
    }
    const after = applyDecision(before, decision.changes, decision.removes);
    const note = systemMessage(after, decision.note, undefined, now);
    await transactWrite([
      stale(putTicketIfUnchanged(after, before.seq)),
      stale(putMessage(note)),
      ...counterUpdates(counterDeltas(before, after)).map(stale),
      stale(clearOpenTicket(after)),
    ]);
    return { before, after, note };
  });
  if (outcome) await publishTicketChange(outcome.before, outcome.after, [outcome.note]);
};
